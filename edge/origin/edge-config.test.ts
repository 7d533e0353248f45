import { describe, expect, it } from 'vitest';
import { parseEdgeConfig } from './edge-config.ts';

const valid = {
  variantsBucket: { name: 'variants', region: 'us-east-1' },
  originalsBuckets: { 'us-east-1': 'o-use1', 'eu-west-1': 'o-euw1', 'ap-northeast-1': 'o-apne1' },
};

describe('parseEdgeConfig', () => {
  it('accepts a complete config', () => {
    expect(parseEdgeConfig(JSON.stringify(valid))).toEqual(valid);
  });

  it('says the config was not baked in when it is missing', () => {
    expect(() => parseEdgeConfig(undefined)).toThrow(/not baked/);
  });

  it('names the region whose originals bucket is missing', () => {
    const { 'eu-west-1': _, ...rest } = valid.originalsBuckets;
    expect(() => parseEdgeConfig(JSON.stringify({ ...valid, originalsBuckets: rest }))).toThrow(/eu-west-1/);
  });
});
