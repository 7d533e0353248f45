import { describe, expect, it } from 'vitest';
import { NUMBER_PARAMS, OUTPUT_FORMATS, parseImageRequest, queryPairs, VARIANT_NAME_ORDER } from '../contract/index.ts';
import { variantParamsSchema } from './index.ts';

describe('variantParamsSchema', () => {
  it('takes the params the contract parses, for every output format', () => {
    for (const fmt of OUTPUT_FORMATS) {
      const parsed = parseImageRequest('/demo/a.jpg', queryPairs(`w=640&h=480&fmt=${fmt}`));
      if (!parsed.ok) throw new Error(parsed.reason);
      expect(variantParamsSchema.parse(parsed.request.params)).toEqual(parsed.request.params);
    }
  });

  it('requires what the contract requires and no more', () => {
    const required = NUMBER_PARAMS.filter((param) => !param.optional).map((param) => param.name);
    expect(required).toEqual(['q']);
    expect(variantParamsSchema.safeParse({ fmt: 'webp', q: 75 }).success).toBe(true);
    expect(variantParamsSchema.safeParse({ fmt: 'webp' }).success).toBe(false);
  });

  it('refuses a format or number outside the contract', () => {
    expect(variantParamsSchema.safeParse({ fmt: 'gif', q: 75 }).success).toBe(false);
    expect(variantParamsSchema.safeParse({ fmt: 'webp', q: 75, w: 0 }).success).toBe(false);
    expect(variantParamsSchema.safeParse({ fmt: 'webp', q: 75, h: 1.5 }).success).toBe(false);
  });
});

describe('NUMBER_PARAMS', () => {
  it('are checked in the order the first bad one names the 400: q, then w, then h', () => {
    expect(NUMBER_PARAMS.map((param) => param.name)).toEqual(['q', 'w', 'h']);
    const reason = (query: string) => {
      const parsed = parseImageRequest('/demo/a.jpg', queryPairs(query));
      return parsed.ok ? 'ok' : parsed.reason;
    };
    expect(reason('q=0&w=abc&h=-1')).toBe('q must be a positive integer');
    expect(reason('h=-1&w=abc')).toBe('w must be a positive integer');
  });

  it('are named in the variant key optional first, as variantKey joins them', () => {
    expect(VARIANT_NAME_ORDER.map((param) => param.name)).toEqual(['w', 'h', 'q']);
  });

  it('list a variant key’s params as the parser lists a request’s', () => {
    const parsed = parseImageRequest('/demo/a.jpg', queryPairs('w=640&h=480&fmt=webp'));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(Object.keys(parsed.request.params)).toEqual(['fmt', 'q', 'w', 'h']);
    expect(Object.keys(variantParamsSchema.parse(parsed.request.params))).toEqual(['fmt', 'q', 'w', 'h']);
  });
});
