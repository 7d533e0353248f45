/**
 * A bucket that stops answering costs a deadline, not a hang, and nothing of it
 * stays behind once it answers again (issue 20): with `timeout` on each target
 * of POST /_local/faults (each originals region, the variants bucket, and every
 * region at once), every miss is answered (a render from another region, or a
 * 5xx) within the local CloudFront's deadlines, including the requests
 * collapsed onto a miss that was in flight when the fault was lifted; after
 * `none`, the same URLs and new ones answer normally. Real deadlines throughout
 * (the constants, not test-sized ones): a request that hung would fail the test
 * at its client-side timeout, which is longer than any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LADDER, ORIGINALS_REGIONS, QUALITY_STEPS } from '../../core/index.ts';
import { ORIGIN_READ_TIMEOUT_MS, ORIGIN_REQUEST_FUNCTION_TIMEOUT_MS } from '../../infra/local/cloudfront.ts';
import { EDGE_ONLY, setFault, startTestStack, type RunningStack } from '../support/local-stack.ts';

/**
 * The most a viewer's miss can take at the local CloudFront: the variants origin's read
 * timeout, then the origin-request function's limit on each of its two invocations.
 */
const VIEWER_DEADLINE_MS = ORIGIN_READ_TIMEOUT_MS + 2 * ORIGIN_REQUEST_FUNCTION_TIMEOUT_MS;
/** The client gives up only well past that: reaching it means the request hung. */
const HANG_MS = VIEWER_DEADLINE_MS + 30_000;
const TEST_TIMEOUT_MS = 6 * HANG_MS;

const LANDSCAPE = '/demo/samples/landscape.jpg';

interface Answer {
  readonly status: number;
  /** The region a render read its original from (server-timing), when it rendered. */
  readonly region: string | undefined;
}

let running: RunningStack;
/** Small renders, each a cache key of its own (w and h snap to the ladder, q to its steps). */
const FRESH = DEFAULT_LADDER.slice(0, 4).flatMap((w) => DEFAULT_LADDER.slice(0, 6).flatMap((h) => QUALITY_STEPS.flatMap((q) => ['webp', 'jpeg'].map((fmt) => `${LANDSCAPE}?w=${w}&h=${h}&q=${q}&fmt=${fmt}`))));
let unique = 0;
/** A URL no request asked for yet: a miss that reaches the origin. */
const freshUrl = () => {
  const url = FRESH[unique++];
  if (!url) throw new Error('out of fresh URLs');
  return url;
};

/** GET `url`; a request that gets no answer within HANG_MS fails the test instead of hanging it. */
async function answer(url: string): Promise<Answer> {
  let res: Response;
  try {
    res = await running.request(url, { signal: AbortSignal.timeout(HANG_MS) });
  } catch (err) {
    throw new Error(`${url}: no answer within ${HANG_MS} ms`, { cause: err });
  }
  await res.arrayBuffer();
  return { status: res.status, region: /desc="([^"]+)"/.exec(res.headers.get('server-timing') ?? '')?.[1] };
}

const answered = (a: Answer) => a.status === 200 || a.status >= 500;

/** Resolves once the target's S3 endpoint has seen a request beyond `seen`: the miss is held there. */
async function heldAt(target: string, seen: number): Promise<void> {
  const giveUp = performance.now() + HANG_MS;
  while (requestsAt(target) <= seen) {
    if (performance.now() > giveUp) throw new Error(`no request reached ${target}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const requestsAt = (target: string) => {
  const counters = running.stack.emulator.endpoint(target).counters;
  return counters.get + counters.head + counters.put;
};

beforeAll(async () => {
  running = await startTestStack(EDGE_ONLY);
});
afterAll(async () => {
  await setFault(running, 'variants', 'none').catch(() => undefined);
  await running.stop();
});

describe('fault `timeout`, then `none`', () => {
  it(
    'on the variants bucket: misses are rendered and answered inline, a miss in flight when the fault is lifted is answered, and so is every request for it',
    async () => {
      await setFault(running, 'variants', 'timeout');
      const during = await Promise.all([freshUrl(), freshUrl()].map(answer));
      expect(during.map((a) => a.status)).toEqual([200, 200]);

      // The case: a miss held by the hung bucket, the fault lifted, then more requests for that variant.
      const url = freshUrl();
      const seen = requestsAt('variants');
      const first = answer(url);
      await heldAt('variants', seen);
      await setFault(running, 'variants', 'none');
      const [held, collapsed] = await Promise.all([first, answer(url)]);
      expect(answered(held)).toBe(true);
      expect(answered(collapsed)).toBe(true);
      expect((await answer(url)).status).toBe(200);
      expect((await answer(freshUrl())).status).toBe(200);
    },
    TEST_TIMEOUT_MS,
  );

  // The replicas the shield Region (us-east-1) does not read first, then the one it does.
  it.each([...ORIGINALS_REGIONS].reverse())(
    'on originals %s: every miss is answered from a region that answers, and normally after',
    async (region) => {
      await setFault(running, region, 'timeout');
      const before = running.stack.stats().regionFailovers[region];
      const during = await Promise.all([freshUrl(), freshUrl(), freshUrl()].map(answer));
      for (const a of during) {
        expect(a.status).toBe(200);
        expect(a.region).not.toBe(region);
      }
      // The primary read's region hangs: at least one read gave up on it, and said so.
      if (region === 'us-east-1') expect(running.stack.stats().regionFailovers[region]).toBeGreaterThan(before);

      const url = freshUrl();
      const pending = answer(url);
      await setFault(running, region, 'none');
      expect(answered(await pending)).toBe(true);
      expect((await answer(url)).status).toBe(200);
      expect((await answer(freshUrl())).status).toBe(200);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'on every originals region at once: misses answer 503 (not cached), then render once the regions are back',
    async () => {
      for (const region of ORIGINALS_REGIONS) await setFault(running, region, 'timeout');
      const url = freshUrl();
      const during = await Promise.all([answer(url), answer(url), answer(freshUrl())]);
      expect(during.map((a) => a.status)).toEqual([503, 503, 503]);
      for (const region of ORIGINALS_REGIONS) await setFault(running, region, 'none');
      const after = await answer(url);
      expect(after.status).toBe(200);
      expect(after.region).toBeDefined();
    },
    TEST_TIMEOUT_MS,
  );
});
