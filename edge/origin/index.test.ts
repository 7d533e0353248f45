/**
 * The deployed entry point derives its read order from the Region it runs in
 * (AWS_REGION, which Lambda sets; with Origin Shield, the shield Region): for
 * each of the three Regions the deployment may put Origin Shield in, the
 * replica there is read first and the other two follow as failover.
 */
import { originRequestEvent } from '../../test/support/origin-events.ts';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { CloudFrontResultResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ORIGINALS_REGIONS, type OriginalsRegion } from '../../core/index.ts';
import type { EdgeConfig } from './edge-config.ts';
import type { OriginRequestHandler } from './origin-request.ts';

const CONFIG: EdgeConfig = {
  variantsBucket: { name: 'variants', region: 'us-east-1' },
  originalsBuckets: { 'us-east-1': 'originals-use1', 'eu-west-1': 'originals-euw1', 'ap-northeast-1': 'originals-apne1' },
};
const regionOf = (bucket: string | undefined) => ORIGINALS_REGIONS.find((region) => CONFIG.originalsBuckets[region] === bucket);

const s3 = mockClient(S3Client);
let original: Buffer;
/** Regions whose replica answers 503. */
let down: ReadonlySet<OriginalsRegion>;

beforeAll(async () => {
  original = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#4080c0' } }).jpeg().toBuffer();
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string }) => {
    const region = regionOf(input.Bucket);
    if (region && down.has(region)) throw new S3ServiceException({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'down' });
    return { Body: Readable.from([original]), ContentLength: original.length, ContentType: 'image/jpeg' };
  });
  s3.on(PutObjectCommand).resolves({});
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});

afterEach(() => {
  s3.resetHistory();
  vi.unstubAllEnvs();
});

afterAll(() => {
  s3.restore();
  vi.restoreAllMocks();
});

/** The entry point as Lambda loads it in `region`: a fresh module, so a fresh read order. */
async function entryIn(region: string): Promise<OriginRequestHandler> {
  vi.resetModules();
  vi.stubEnv('IMGEDGE_EDGE_CONFIG', JSON.stringify(CONFIG));
  vi.stubEnv('AWS_REGION', region);
  return (await import('./index.ts')).handler;
}

const renderEvent = () => originRequestEvent('/demo/cat.jpg', 'fmt=jpeg&q=75&w=64', 'render', 'variants.s3.us-east-1.amazonaws.com');

const regionsRead = () => s3.commandCalls(GetObjectCommand).map((call) => regionOf(call.args[0].input.Bucket));
const servedFrom = (out: CloudFrontResultResponse) => /desc="([^"]+)"/.exec(out.headers?.['server-timing']?.[0]?.value ?? '')?.[1];

describe('the deployed origin-request entry point', () => {
  it.each([
    ['us-east-1', ['us-east-1', 'eu-west-1', 'ap-northeast-1']],
    ['eu-west-1', ['eu-west-1', 'us-east-1', 'ap-northeast-1']],
    ['ap-northeast-1', ['ap-northeast-1', 'us-east-1', 'eu-west-1']],
  ] as const)('running in the shield Region %s, tries the replicas in the order %j', async (shield, order) => {
    down = new Set(ORIGINALS_REGIONS);
    const out = (await (await entryIn(shield))(renderEvent())) as CloudFrontResultResponse;
    expect(out.status).toBe('503');
    expect(regionsRead()).toEqual(order);
  });

  it.each(ORIGINALS_REGIONS)('running in %s, renders every miss from that Region’s replica while it answers', async (shield) => {
    down = new Set();
    const out = (await (await entryIn(shield))(renderEvent())) as CloudFrontResultResponse;
    expect(out.status).toBe('200');
    expect(servedFrom(out)).toBe(shield);
    expect(regionsRead()).toEqual([shield]);
  });

  it.each([
    ['us-east-1', 'eu-west-1'],
    ['eu-west-1', 'us-east-1'],
    ['ap-northeast-1', 'us-east-1'],
  ] as const)('running in %s, fails over to %s when the shield Region’s replica fails', async (shield, next) => {
    down = new Set([shield]);
    const out = (await (await entryIn(shield))(renderEvent())) as CloudFrontResultResponse;
    expect(out.status).toBe('200');
    expect(servedFrom(out)).toBe(next);
    expect(regionsRead()).toEqual([shield, next]);
  });
});
