/**
 * The edge path end to end on the local stack, over real HTTP: the built
 * viewer function, the cache with collapsing, the origin group, the
 * origin-request handler and the transformer against the S3 emulator.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INLINE_BODY_BYTES } from '../../edge/origin/origin-request.ts';
import { FAILOVER_REQUESTS } from '../../infra/local/cloudfront.ts';
import { EDGE_ONLY, rawGet, startTestStack, setFault, upload, type RunningStack } from '../support/local-stack.ts';

const CHROME_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const LANDSCAPE = '/demo/samples/landscape.jpg';

async function photo(width = 1200, height = 800): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } }).jpeg().toBuffer();
}

/** Noise does not compress: its PNG variants are far bigger than the inline limit. */
async function noise(width = 1200, height = 800): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
}

// AWS does not document whether the render origin's trigger gets the viewer's request or the one the variants origin's trigger rewrote: both.
describe.each(FAILOVER_REQUESTS)('edge path on the local stack (failover hands the render origin the %s request)', (failoverRequest) => {
  let running: RunningStack;

  beforeAll(async () => {
    running = await startTestStack({ ...EDGE_ONLY, regionTimeoutMs: 300, failoverRequest });
  });
  afterAll(() => running.stop());

  const stats = () => running.stack.stats();

  it('renders on the first request and serves the second from cache without an origin call', async () => {
    const first = await running.request(`${LANDSCAPE}?w=640&fmt=webp`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('Miss from cloudfront');
    expect(first.headers.get('content-type')).toBe('image/webp');
    const bytes = Buffer.from(await first.arrayBuffer());
    expect((await sharp(bytes).metadata()).width).toBe(640);

    const before = stats();
    const second = await running.request(`${LANDSCAPE}?w=640&fmt=webp`);
    expect(second.headers.get('x-cache')).toBe('Hit from cloudfront');
    expect(Buffer.from(await second.arrayBuffer()).equals(bytes)).toBe(true);
    expect(stats().renders).toBe(before.renders);
    expect(stats().originRequestInvocations).toBe(before.originRequestInvocations);
  });

  it('shares one cache entry between URLs that differ only by junk params, param order and an off-ladder width', async () => {
    await running.request(`${LANDSCAPE}?w=750&fmt=jpeg&q=75`);
    const before = stats();
    const res = await running.request(`${LANDSCAPE}?utm_source=news&q=70&fmt=jpg&w=700&fbclid=abc&sessionid=42`);
    expect(res.headers.get('x-cache')).toBe('Hit from cloudfront');
    expect(stats().renders).toBe(before.renders);
  });

  it('folds dpr into w: w=320&dpr=2 is the cache entry of w=640, rendered 640 wide, and /_local/normalize shows it', async () => {
    const first = await running.request(`${LANDSCAPE}?w=640&fmt=webp&q=60`);
    expect((await sharp(Buffer.from(await first.arrayBuffer())).metadata()).width).toBe(640);
    const before = stats();
    const retina = await running.request(`${LANDSCAPE}?w=320&dpr=2&fmt=webp&q=60`);
    expect(retina.headers.get('x-cache')).toBe('Hit from cloudfront');
    expect(stats().renders).toBe(before.renders);
    const normalize = async (url: string) => ((await (await running.request(`/_local/normalize?url=${encodeURIComponent(url)}`)).json()) as { cacheKey: string; dropped: string[] });
    const [a, b] = [await normalize(`${LANDSCAPE}?w=320&dpr=2&fmt=webp`), await normalize(`${LANDSCAPE}?w=640&fmt=webp`)];
    expect(a.cacheKey).toBe(b.cacheKey);
    expect(a.cacheKey).not.toContain('dpr');
    expect((await running.request(`${LANDSCAPE}?w=320&dpr=2x`)).status).toBe(400);
  });

  it('picks AVIF, WebP or JPEG for fmt=auto from the Accept header', async () => {
    const types = await Promise.all(
      [CHROME_ACCEPT, 'image/webp,*/*', '*/*'].map(async (accept) => {
        const res = await running.request(`${LANDSCAPE}?w=320`, { headers: { accept } });
        await res.arrayBuffer();
        return res.headers.get('content-type');
      }),
    );
    expect(types).toEqual(['image/avif', 'image/webp', 'image/jpeg']);
  });

  it('collapses 100 concurrent requests for a cold key into exactly one render', async () => {
    const before = stats();
    const responses = await Promise.all(Array.from({ length: 100 }, () => running.request(`${LANDSCAPE}?w=1080&fmt=webp`)));
    const bodies = await Promise.all(responses.map(async (r) => Buffer.from(await r.arrayBuffer())));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(bodies.every((b) => b.equals(bodies[0] as Buffer))).toBe(true);
    expect(stats().renders - before.renders).toBe(1);
    expect(stats().collapsed - before.collapsed).toBe(99);
  });

  it('serves a variant that is already in the variants bucket without rendering', async () => {
    await upload(running, 'demo/prerendered.jpg', await photo());
    const variant = await sharp(await photo()).resize(256).webp().toBuffer();
    await running.stack.variants.put('demo/prerendered.jpg/w256_q75.webp', variant, { contentType: 'image/webp', cacheControl: 'public, max-age=31536000, immutable' });
    const before = stats();
    const res = await running.request('/demo/prerendered.jpg?w=256&fmt=webp');
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(variant)).toBe(true);
    expect(stats().renders).toBe(before.renders);
    expect(stats().originRequestInvocations - before.originRequestInvocations).toBe(1);
  });

  it('serves a variant too large to inline from the variants bucket, not as a generated response', async () => {
    await upload(running, 'demo/noise.png', await noise());
    const res = await running.request('/demo/noise.png?w=1080&fmt=png');
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBeGreaterThan(MAX_INLINE_BODY_BYTES);
    // server-timing rides on inline answers only; this one came from the stored object.
    expect(res.headers.get('server-timing')).toBeNull();
    const stored = await running.stack.variants.get('demo/noise.png/w1080_q75.png', { maxBytes: 50_000_000 });
    expect(stored?.body.equals(body)).toBe(true);
  });

  it('stores what it renders so the next miss elsewhere needs no render', async () => {
    await running.request(`${LANDSCAPE}?w=384&fmt=png`).then((r) => r.arrayBuffer());
    expect(await running.stack.variants.exists('demo/samples/landscape.jpg/w384_q75.png')).toBe(true);
  });

  // The local Lambda@Edge runs in us-east-1 unless told otherwise: the delivery stack's Origin Shield Region.
  it('reads a render from the shield Region’s replica (us-east-1) alone while it answers', async () => {
    await upload(running, 'demo/shield-read.jpg', await photo());
    await running.stack.replication.settled();
    const before = stats();
    expect((await running.request('/demo/shield-read.jpg?w=640&fmt=jpeg')).status).toBe(200);
    const fetched = stats().originFetches;
    expect([fetched['us-east-1'] - before.originFetches['us-east-1'], fetched['eu-west-1'] - before.originFetches['eu-west-1'], fetched['ap-northeast-1'] - before.originFetches['ap-northeast-1']]).toEqual([1, 0, 0]);
  });

  it('fails over to the next replica (eu-west-1) when the shield Region’s replica is down', async () => {
    await upload(running, 'demo/failover-down.jpg', await photo());
    await running.stack.replication.settled();
    await setFault(running, 'us-east-1', 'unavailable');
    try {
      const before = stats();
      const res = await running.request('/demo/failover-down.jpg?w=640&fmt=jpeg');
      expect(res.status).toBe(200);
      expect(stats().originFetches['eu-west-1'] - before.originFetches['eu-west-1']).toBe(1);
    } finally {
      await setFault(running, 'us-east-1', 'none');
    }
  });

  it('fails over to the next replica when the shield Region’s replica stops answering', async () => {
    await upload(running, 'demo/failover-timeout.jpg', await photo());
    await running.stack.replication.settled();
    await setFault(running, 'us-east-1', 'timeout');
    try {
      const res = await running.request('/demo/failover-timeout.jpg?w=640&fmt=jpeg');
      expect(res.status).toBe(200);
      // The next miss does not wait on the hanging region again: it is tried last for a while.
      const before = stats();
      expect((await running.request('/demo/failover-timeout.jpg?w=750&fmt=jpeg')).status).toBe(200);
      expect(stats().originFetches['us-east-1']).toBe(before.originFetches['us-east-1']);
    } finally {
      await setFault(running, 'us-east-1', 'none');
    }
  });

  it('answers 503 (not cached) when every region is down, and recovers once one is back', async () => {
    await upload(running, 'demo/all-down.jpg', await photo());
    await running.stack.replication.settled();
    for (const region of ['us-east-1', 'eu-west-1', 'ap-northeast-1']) await setFault(running, region, 'unavailable');
    try {
      const res = await running.request('/demo/all-down.jpg?w=640&fmt=jpeg');
      expect(res.status).toBe(503);
    } finally {
      for (const region of ['us-east-1', 'eu-west-1', 'ap-northeast-1']) await setFault(running, region, 'none');
    }
    expect((await running.request('/demo/all-down.jpg?w=640&fmt=jpeg')).status).toBe(200);
  });

  it('renders from the replica when the variants bucket fails, serving the variant inline', async () => {
    await setFault(running, 'variants', 'unavailable');
    try {
      const res = await running.request(`${LANDSCAPE}?w=128&fmt=webp`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
    } finally {
      await setFault(running, 'variants', 'none');
    }
  });

  it('with the shield in eu-west-1, finds a fresh upload in us-east-1 that has not replicated there yet', async () => {
    const edge = await startTestStack({ ...EDGE_ONLY, edgeRegion: 'eu-west-1', failoverRequest });
    edge.stack.replicationDelayMs = 60_000;
    try {
      await upload(edge, 'demo/fresh.jpg', await photo());
      const before = edge.stack.stats();
      const res = await edge.request('/demo/fresh.jpg?w=256&fmt=jpeg');
      expect(res.status).toBe(200);
      expect(edge.stack.stats().originFetches['eu-west-1'] - before.originFetches['eu-west-1']).toBe(1);
      expect(edge.stack.stats().originFetches['us-east-1'] - before.originFetches['us-east-1']).toBe(1);
    } finally {
      await edge.stop();
    }
  });

  it('answers 404 for an image that does not exist', async () => {
    const res = await running.request('/demo/nope.jpg?w=640');
    expect(res.status).toBe(404);
  });

  it('refuses bad URLs in the viewer function, before any origin call', async () => {
    const before = stats();
    const cases = ['/demo/../etc/passwd.jpg', '/demo/%2e%2e/x.jpg', '/Demo/a.jpg', '/demo/a.svg', '/demo/a.jpg?w=abc', '/demo/a.jpg?w=1&w=2'];
    for (const path of cases) {
      const res = await rawGet(running, path);
      expect(res.status, path).toBe(400);
      expect(res.body.length, path).toBeGreaterThan(0);
    }
    expect(stats().originRequestInvocations).toBe(before.originRequestInvocations);
  });

  it('answers 404 for a tenant that does not exist', async () => {
    expect((await running.request('/nobody/a.jpg')).status).toBe(404);
  });

  it('uses a tenant’s own width ladder', async () => {
    running.stack.putTenant('shop', { ladder: [100, 500] });
    await upload(running, 'shop/item.jpg', await photo());
    const res = await running.request('/shop/item.jpg?w=300&fmt=jpeg');
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).toBe(500);
  });

  it('refuses uploads with a traversal or an unknown tenant', async () => {
    expect((await upload(running, 'demo/%2e%2e/x.jpg', await photo())).status).toBe(400);
    expect((await upload(running, 'nobody/x.jpg', await photo())).status).toBe(404);
  });
});

describe('the local edge cache', () => {
  it('stays within its byte bound, evicting the least recently used variant', async () => {
    const small = await startTestStack({ ...EDGE_ONLY, cacheMaxBytes: 20_000 });
    try {
      const get = async (w: number) => {
        const res = await small.request(`${LANDSCAPE}?w=${w}&fmt=jpeg`);
        return { cache: res.headers.get('x-cache'), bytes: (await res.arrayBuffer()).byteLength };
      };
      const first = await get(640);
      expect(first.bytes).toBeGreaterThan(5_000);
      expect((await get(640)).cache).toBe('Hit from cloudfront');
      let filled = first.bytes;
      for (const w of [750, 828, 1080]) filled += (await get(w)).bytes;
      expect(filled).toBeGreaterThan(20_000);
      expect((await get(640)).cache).toBe('Miss from cloudfront');
    } finally {
      await small.stop();
    }
  });
});
