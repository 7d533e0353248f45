/**
 * Hostile request headers: huge, repeated, odd or garbage Accept values,
 * Host spoofing, X-Forwarded-*. Nothing crashes, and nothing but Accept
 * (through fmt=auto, as the contract's negotiateFormat decides) changes the
 * cache key: first on the built viewer function, then over HTTP on the local
 * stack, where equivalent requests must share one cache entry.
 */
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { negotiateFormat, SOURCE_EXTENSIONS, type SourceExtension } from '../../core/index.ts';
import { buildViewerFunction } from '../../edge/viewer/build.ts';
import { viewerEvent } from '../../infra/local/cloudfront.ts';
import { loadViewerFunction, type CloudFrontFunction } from '../../infra/local/cloudfront-function-runtime.ts';
import { EDGE_ONLY, startTestStack, type RunningStack } from '../support/local-stack.ts';
import { hostileHeaders, SEED } from './hostile-urls.ts';
import { freshnessEntries } from '../viewer/fixture-store.ts';

export const HEADER_FUZZ_RUNS = 5_000;
/** Node's default limit on the request head (http.maxHeaderSize): past it the server answers 431 itself. */
const NODE_MAX_HEADER_BYTES = 16 * 1024;

type Headers = Record<string, string | string[]>;

/** Accept values a client might send, and ones only an attacker would. */
const oddAccept = fc.oneof(
  fc.constantFrom(
    'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8', 'image/webp,*/*', '*/*', 'image/*', '', 'image/avif;q=0', 'image/avif;q=0.0, image/webp;q=0.',
    'IMAGE/AVIF', 'image/avif ; q = 0', 'image/avif;q=1;q=0', 'image/webp;q=abc', 'image/avif;level=1', ';;;,,,', 'garbage', '\u0000', 'image/avif\u0000',
  ),
  fc.string({ maxLength: 64 }),
  fc.array(fc.constantFrom('image/avif', 'image/webp', 'image/png', 'text/html', '*/*', ';q=0', ';q=0.5', ',', ' '), { maxLength: 20 }).map((parts) => parts.join('')),
  fc.nat({ max: 700 }).map((n) => `${'image/x-junk;q=0.1,'.repeat(n)}image/webp`), // up to ~13 KB
);

const headerSet: fc.Arbitrary<Headers> = fc
  .tuple(hostileHeaders, fc.option(fc.array(oddAccept, { minLength: 1, maxLength: 3 })), fc.array(fc.tuple(fc.constantFrom('x-junk', 'cookie', 'x-forwarded-proto', 'forwarded', 'via', 'cache-control', 'pragma', 'range'), fc.string({ maxLength: 200 })), { maxLength: 10 }))
  .map(([base, accepts, extra]) => {
    const headers: Headers = { ...base };
    if (accepts) headers.accept = accepts.length === 1 ? (accepts[0] as string) : accepts;
    for (const [name, value] of extra) headers[name] = headers[name] === undefined ? value : [headers[name] as string, value].flat();
    return headers;
  });

const image = fc.tuple(fc.constantFrom('demo', 'acme'), fc.constantFrom(...SOURCE_EXTENSIONS), fc.option(fc.constantFrom('auto', 'webp', 'avif', 'jpeg', 'png')), fc.constantFrom('', '&w=640', '&w=700&h=300&q=80'));

describe('hostile headers on the built viewer function', () => {
  let viewer: CloudFrontFunction;
  beforeAll(async () => {
    await buildViewerFunction();
    viewer = await loadViewerFunction({ kvs: new Map([['t:demo', '{}'], ['t:acme', '{}'], ...freshnessEntries()]) });
  });

  const run = (url: string, headers: Headers) => viewer.handler(viewerEvent({ method: 'GET', url, headers, ip: '198.51.100.1' }));

  it(`keys ${HEADER_FUZZ_RUNS.toLocaleString('en-US')} header sets exactly as the contract says: the same URI and params, fmt=auto from Accept alone`, async () => {
    await fc.assert(
      fc.asyncProperty(image, headerSet, async ([tenant, ext, fmt, rest], headers) => {
        const base = `/${tenant}/photos/cat.${ext}?utm=1${rest}`;
        const hostile = await run(fmt === null ? base : `${base}&fmt=${fmt}`, headers);
        // The reference: no headers at all, and the format the contract negotiates from Accept alone made explicit.
        const negotiated = fmt === null || fmt === 'auto' ? negotiateFormat([headers.accept ?? []].flat().join(','), ext as SourceExtension) : fmt;
        const reference = await run(`${base}&fmt=${negotiated}`, {});
        if ('statusCode' in hostile || 'statusCode' in reference) throw new Error(`${base} was refused`);
        expect(hostile.uri).toBe(reference.uri);
        expect(hostile.querystring).toEqual(reference.querystring);
        expect(hostile.headers, 'headers pass through untouched').toEqual(viewerEvent({ method: 'GET', url: base, headers, ip: '198.51.100.1' }).request.headers);
      }),
      { numRuns: HEADER_FUZZ_RUNS, seed: SEED },
    );
  }, 120_000);
});

describe("the local CloudFront's viewer event", () => {
  // Names an attacker picks so that a careless `target[name]` finds Object.prototype instead of nothing.
  const PROTOTYPE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

  it('keeps parameters, headers and cookies named like Object.prototype members as data, and changes no builtin', () => {
    const query = PROTOTYPE_NAMES.map((name, i) => `${name}=${i}`).join('&');
    const headers = Object.fromEntries([...PROTOTYPE_NAMES.map((name) => [name, `h-${name}`]), ['cookie', PROTOTYPE_NAMES.map((name) => `${name}=c`).join('; ')]]);
    const event = viewerEvent({ method: 'GET', url: `/demo/a.jpg?${query}&${query}`, headers, ip: '198.51.100.1' });
    for (const [i, name] of PROTOTYPE_NAMES.entries()) {
      expect(Object.getOwnPropertyDescriptor(event.request.querystring, name)?.value, name).toEqual({ value: String(i), multiValue: [{ value: String(i) }, { value: String(i) }] });
      expect(Object.getOwnPropertyDescriptor(event.request.headers, name.toLowerCase())?.value, name).toEqual({ value: `h-${name}` });
      expect(Object.getOwnPropertyDescriptor(event.request.cookies, name)?.value, name).toEqual({ value: 'c' });
    }
    // Events cross into the sandbox as JSON: `__proto__` must arrive as a parameter too.
    expect(Object.getOwnPropertyDescriptor(JSON.parse(JSON.stringify(event.request.querystring)), '__proto__')?.value).toMatchObject({ value: '2' });
    for (const builtin of [Object, Object.prototype.toString, Object.prototype.hasOwnProperty, Object.prototype.valueOf]) expect(builtin).not.toHaveProperty('multiValue');
  });
});

describe('hostile headers over HTTP on the local stack', () => {
  let running: RunningStack;
  beforeAll(async () => {
    running = await startTestStack(EDGE_ONLY);
  });
  afterAll(() => running.stop());

  /** A GET with headers sent exactly as given, repeated ones as separate lines. */
  function get(path: string, headers: Headers): Promise<{ status: number; cache: string | undefined }> {
    const { hostname, port } = new URL(running.url);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ hostname, port, path, method: 'GET', headers, setHost: headers.host === undefined }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, cache: res.headers['x-cache'] as string | undefined }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  const stats = async () => (await (await running.request('/_local/stats')).json()) as { misses: number; hits: number };

  // The front door answers only on loopback names (server.ts): those are the Hosts a request can vary.
  it('serves equivalent requests from one cache entry, whatever Host, X-Forwarded-*, cookies and repeated headers say', async () => {
    const path = '/demo/samples/landscape.jpg?w=640&fmt=webp';
    const before = await stats();
    const variants: Headers[] = [
      {},
      { host: 'localhost' },
      { host: `000000000000.localhost:${new URL(running.url).port}`, 'x-forwarded-host': 'evil.com', 'x-forwarded-for': '10.0.0.1, 203.0.113.9', 'x-forwarded-proto': 'http', forwarded: 'for=1.2.3.4;host=evil.com' },
      { 'x-original-url': '/acme/secret.jpg', 'x-rewrite-url': '//evil.com/x.jpg', cookie: 'session=abc; tenant=acme' },
      { accept: ['image/avif', 'image/webp', 'text/html'], 'accept-encoding': 'gzip, br', 'cache-control': 'no-cache', pragma: 'no-cache' },
      { 'x-junk': Array.from({ length: 200 }, (_, i) => `value-${i}`) },
      { accept: `${'image/x-junk;q=0.1,'.repeat(420)}image/webp` },
    ];
    const answers = [];
    for (const headers of variants) answers.push(await get(path, headers));
    expect(answers.map((answer) => answer.status)).toEqual(variants.map(() => 200));
    expect(answers.slice(1).map((answer) => answer.cache)).toEqual(variants.slice(1).map(() => 'Hit from cloudfront'));
    const after = await stats();
    expect(after.misses - before.misses).toBe(1);
  });

  it('negotiates fmt=auto from Accept only: two Accepts, two entries; a spoofed Host changes nothing', async () => {
    const path = '/demo/samples/badge.png?w=256';
    const before = await stats();
    const webp = await get(path, { accept: 'image/webp' });
    const webpSpoofed = await get(path, { accept: 'image/webp', host: 'localhost', 'x-forwarded-host': 'evil.com' });
    const none = await get(path, { accept: '*/*' });
    expect([webp.status, webpSpoofed.status, none.status]).toEqual([200, 200, 200]);
    expect(webpSpoofed.cache).toBe('Hit from cloudfront');
    expect((await stats()).misses - before.misses).toBe(2);
  });

  /** The first bytes the server answers to a raw request head, read until it closes (it may close while the head is still being sent). */
  function rawAnswer(head: string): Promise<string> {
    const { hostname, port } = new URL(running.url);
    return new Promise((resolve) => {
      let answer = '';
      const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(head));
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.on('error', () => {}); // EPIPE/ECONNRESET once the server has answered and closed
      socket.on('close', () => resolve(answer));
    });
  }

  it(`refuses a request head over ${NODE_MAX_HEADER_BYTES / 1024} KiB with 431 and keeps serving`, async () => {
    const answer = await rawAnswer(`GET /demo/samples/landscape.jpg?w=256&fmt=jpeg HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Junk: ${'a'.repeat(NODE_MAX_HEADER_BYTES)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect((await get('/demo/samples/landscape.jpg?w=256&fmt=jpeg', { 'x-junk': 'a'.repeat(NODE_MAX_HEADER_BYTES / 2) })).status).toBe(200);
  });
});
