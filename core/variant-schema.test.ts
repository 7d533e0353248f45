import { describe, expect, it } from 'vitest';
import { NUMBER_PARAMS, OUTPUT_FORMATS, parseImageRequest, queryPairs } from './contract/index.ts';
import { variantParamsSchema } from './variant-schema.ts';

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
  it('lists the optional params first, as the variant name joins them', () => {
    const firstRequired = NUMBER_PARAMS.findIndex((param) => !param.optional);
    expect(NUMBER_PARAMS.slice(firstRequired).every((param) => !param.optional)).toBe(true);
  });
});
