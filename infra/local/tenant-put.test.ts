import { describe, expect, it } from 'vitest';
import type { TenantConfig } from '../../core/index.ts';
import { tenantConfigFromPut } from './tenant-put.ts';

const refusal = (body: unknown, current: TenantConfig = { signing: 'hmac' }) => {
  try {
    tenantConfigFromPut('signed-demo', current, body);
  } catch (error) {
    return error;
  }
  throw new Error(`${JSON.stringify(body)} was taken`);
};

describe('tenantConfigFromPut', () => {
  it('registers a new tenant or replaces a public one, public unless the body names a mode', () => {
    expect(tenantConfigFromPut('t', undefined, {})).toEqual({});
    expect(tenantConfigFromPut('t', undefined, { ladder: [256, 512] })).toEqual({ ladder: [256, 512] });
    expect(tenantConfigFromPut('t', {}, { signing: 'none' })).toEqual({});
    expect(tenantConfigFromPut('t', { ladder: [64] }, { signing: 'hmac' })).toEqual({ signing: 'hmac' });
  });

  it('refuses to make a signing tenant public when the body leaves signing out: 409, saying what to send', () => {
    for (const body of [{}, { ladder: [256, 512] }]) {
      expect(refusal(body)).toMatchObject({
        status: 409,
        message: 'tenant signed-demo requires hmac signatures and a PUT replaces its config: send "signing": "hmac" to keep them, or "signing": "none" with "confirmPublic": true to make its URLs public',
      });
    }
  });

  it('makes a signing tenant public only with "signing": "none" and "confirmPublic": true', () => {
    for (const body of [{ signing: 'none' }, { signing: 'none', confirmPublic: false }]) {
      expect(refusal(body, { signing: 'key-group' })).toMatchObject({
        status: 409,
        message: 'tenant signed-demo requires key-group signatures: making its URLs public takes "confirmPublic": true beside "signing": "none"',
      });
    }
    expect(tenantConfigFromPut('signed-demo', { signing: 'hmac' }, { signing: 'none', confirmPublic: true, ladder: [128] })).toEqual({ ladder: [128] });
  });

  it('keeps or changes a signing mode the body names', () => {
    expect(tenantConfigFromPut('signed-demo', { signing: 'hmac' }, { signing: 'hmac', ladder: [128] })).toEqual({ ladder: [128], signing: 'hmac' });
    expect(tenantConfigFromPut('signed-demo', { signing: 'hmac' }, { signing: 'key-group' })).toEqual({ signing: 'key-group' });
  });

  it('takes qualities and ratios, spelled W:H, as the tenant config stores them', () => {
    expect(tenantConfigFromPut('t', undefined, { qualities: [60, 85], ratios: ['16:9', '1:1'] })).toEqual({ qualities: [60, 85], ratios: [[16, 9], [1, 1]] });
    expect(tenantConfigFromPut('t', undefined, { ratios: [] })).toEqual({ ratios: [] });
    for (const ratios of [['16/9'], '16:9', [16]]) {
      expect(refusal({ ratios }, {}), JSON.stringify(ratios)).toMatchObject({ status: 400, message: expect.stringMatching(/^ratio .* is not W:H \(e\.g\. "16:9"\)/) });
    }
  });

  it('refuses malformed bodies with 400', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'body must be a JSON object'],
      [[], 'body must be a JSON object'],
      ['hmac', 'body must be a JSON object'],
      [{ sigining: 'hmac' }, 'unknown field "sigining"'],
      [{ signing: 'public' }, 'signing must be hmac, key-group or none'],
      [{ signing: 'none', confirmPublic: 'yes' }, 'confirmPublic must be true or false'],
      [{ signing: 'hmac', confirmPublic: true }, 'confirmPublic: true goes only with "signing": "none"'],
    ];
    for (const [body, message] of cases) expect(refusal(body), JSON.stringify(body)).toMatchObject({ status: 400, message: expect.stringContaining(message) });
  });
});
