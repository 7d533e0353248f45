/**
 * URL fuzzing of the deployed origin-request handler (edge/origin/index.ts,
 * the Lambda@Edge entry point with the deployment's bucket names baked in) with
 * Lambda@Edge-shaped events for both origins of the group, and every S3 call
 * recorded by aws-sdk-client-mock. Whatever the URI, query and headers: no
 * throw and no 5xx; every S3 call names one of the configured buckets and a
 * key below the tenant the URI named, with no traversal in it; a request sent
 * on to the variants bucket keeps its origin and host and names such a key;
 * and nothing leaves the process (no socket, no fetch) towards any host at all.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { CloudFrontRequest, CloudFrontResultResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EdgeConfig } from '../../edge/origin/edge-config.ts';
import type { OriginRequestHandler, OriginRole } from '../../edge/origin/origin-request.ts';
import { ORIGINALS_REGIONS } from '../../core/index.ts';
import { hostileHeaders, hostilePath, hostileQuery, rawTenantOf, SEED, unsafeKeyReason } from './hostile-urls.ts';
import { originEvent, VARIANTS_DOMAIN } from './origin-event.ts';

/** Generated events; with the viewer fuzz (test/security/viewer-fuzz.test.ts) the suite runs ≥ 100,000. */
export const ORIGIN_FUZZ_RUNS = 60_000;

const CONFIG: EdgeConfig = {
  variantsBucket: { name: 'fuzz-variants', region: 'us-east-1' },
  originalsBuckets: { 'us-east-1': 'fuzz-originals-use1', 'eu-west-1': 'fuzz-originals-euw1', 'ap-northeast-1': 'fuzz-originals-apne1' },
};
const BUCKETS = new Set([CONFIG.variantsBucket.name, ...ORIGINALS_REGIONS.map((region) => CONFIG.originalsBuckets[region])]);

const s3 = mockClient(S3Client);
const notFound = () => new S3ServiceException({ name: 'NoSuchKey', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'NoSuchKey' });
const network = { connections: 0 };
let handler: OriginRequestHandler;
let original: Buffer;

beforeAll(async () => {
  original = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#4080c0' } }).jpeg().toBuffer();
  // One original in twenty exists, so renders and conditional puts are fuzzed too, not only misses.
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    if (hash(input.Key) % 20 !== 0) throw notFound();
    return { Body: Readable.from([original]), ContentLength: original.length, ContentType: 'image/jpeg' };
  });
  s3.on(PutObjectCommand).resolves({});
  const entryPoints: ReadonlyArray<readonly [object, string]> = [[http, 'request'], [http, 'get'], [https, 'request'], [https, 'get'], [net, 'connect'], [net, 'createConnection'], [globalThis, 'fetch']];
  for (const [module, name] of entryPoints) {
    vi.spyOn(module as Record<string, () => never>, name).mockImplementation(() => {
      network.connections++;
      throw new Error(`network access through ${name} during the origin fuzz`);
    });
  }
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.stubEnv('IMGEDGE_EDGE_CONFIG', JSON.stringify(CONFIG));
  vi.stubEnv('AWS_REGION', 'us-east-1');
  handler = (await import('../../edge/origin/index.ts')).handler;
});

afterAll(() => {
  s3.restore();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const outcomes = { statuses: new Map<string, number>(), pointed: 0, s3Calls: 0, puts: 0 };

describe('fuzzing the deployed origin-request handler', () => {
  it(`keeps every S3 call inside the configured buckets and the named tenant for ${ORIGIN_FUZZ_RUNS.toLocaleString('en-US')} hostile events`, async () => {
    await fc.assert(
      fc.asyncProperty(
        hostilePath,
        hostileQuery,
        hostileHeaders,
        fc.constantFrom<OriginRole>('variants', 'render'),
        fc.ipV4(),
        async (uri, query, headers, role, clientIp) => {
          s3.resetHistory();
          const event = originEvent(uri, query, role, headers, clientIp);
          const result = await handler(event);
          const tenant = rawTenantOf(uri);
          for (const call of s3.calls()) {
            const { Bucket, Key } = (call.args[0] as GetObjectCommand | PutObjectCommand).input as { Bucket: string; Key: string };
            outcomes.s3Calls++;
            if (call.args[0] instanceof PutObjectCommand) outcomes.puts++;
            expect(BUCKETS.has(Bucket), `${uri} → bucket ${Bucket}`).toBe(true);
            expect(unsafeKeyReason(Key, tenant), uri).toBeUndefined();
          }
          if ('status' in result) {
            const status = Number((result as CloudFrontResultResponse).status);
            outcomes.statuses.set(String(status), (outcomes.statuses.get(String(status)) ?? 0) + 1);
            expect(status === 200 || (status >= 400 && status < 500), `${uri}?${query} → ${status} ${String(result.body)}`).toBe(true);
            return;
          }
          outcomes.pointed++;
          const request = result as CloudFrontRequest;
          expect(request.origin?.s3?.domainName).toBe(VARIANTS_DOMAIN);
          expect(request.headers.host).toEqual([{ key: 'Host', value: VARIANTS_DOMAIN }]);
          expect(request.querystring).toBe('');
          expect(unsafeKeyReason(decodeURIComponent(request.uri.slice(1)), tenant), uri).toBeUndefined();
        },
      ),
      { numRuns: ORIGIN_FUZZ_RUNS, seed: SEED },
    );
    expect(network.connections).toBe(0);
    // Every branch was reached: refusals, misses, renders and pointing at a stored variant.
    for (const status of ['200', '400', '404']) expect(outcomes.statuses.get(status) ?? 0, `no ${status} generated`).toBeGreaterThan(0);
    expect(outcomes.pointed).toBeGreaterThan(ORIGIN_FUZZ_RUNS / 20);
    expect(outcomes.puts).toBeGreaterThan(0);
    console.info(`origin fuzz: ${ORIGIN_FUZZ_RUNS} events, ${outcomes.pointed} pointed at a variant, ${outcomes.s3Calls} S3 calls (${outcomes.puts} puts), answered ${JSON.stringify(Object.fromEntries(outcomes.statuses))}`);
  }, 120_000);
});
