import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  loadCloudFrontFunction,
  rewriteImports,
  type CloudFrontFunctionEvent,
  type CloudFrontFunctionOptions,
} from './cloudfront-function-runtime.ts';

const EVENT: CloudFrontFunctionEvent = {
  version: '1.0',
  context: {
    distributionDomainName: 'd111111abcdef8.cloudfront.net',
    distributionId: 'EDFDVBD6EXAMPLE',
    eventType: 'viewer-request',
    requestId: 'EXAMPLE-runtime-test',
  },
  viewer: { ip: '198.51.100.11' },
  request: { method: 'GET', uri: '/index.html', querystring: {}, headers: {}, cookies: {} },
};

function options(entries: Array<[string, string]> = [], log?: (line: string) => void): CloudFrontFunctionOptions {
  return log ? { kvs: new Map(entries), log } : { kvs: new Map(entries) };
}

/** Runs `body` as the inside of `async function handler(event)` and returns what it returns. */
async function evaluate(body: string, opts: CloudFrontFunctionOptions = options(), prelude = ''): Promise<unknown> {
  const fn = loadCloudFrontFunction(`${prelude}\nasync function handler(event) {\n${body}\n}`, opts);
  return fn.handler(EVENT);
}

describe('Function: loadCloudFrontFunction', () => {
  describe('running a function', () => {
    it('returns the result as plain data of this realm', async () => {
      const fn = loadCloudFrontFunction('function handler(event) { event.request.uri = "/x"; return event.request; }', options());
      const result = await fn.handler(EVENT);
      expect(result).toEqual({ ...EVENT.request, uri: '/x' });
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
      expect(EVENT.request.uri).toBe('/index.html'); // the caller's event is not mutated
    });

    it('runs an async handler through awaits', async () => {
      expect(await evaluate('const a = await Promise.resolve(1); const b = await 2; return { statusCode: 200 + a + b };')).toEqual({
        statusCode: 203,
      });
    });

    it('runs the code in strict mode', async () => {
      await expect(evaluate('undeclared = 1; return {};')).rejects.toThrow(/undeclared is not defined/);
    });

    it('rejects when the handler throws, with its message', async () => {
      await expect(evaluate('throw new TypeError("boom");')).rejects.toThrow('CloudFront Function handler threw: TypeError: boom');
    });

    it('rejects when the handler returns nothing', async () => {
      await expect(evaluate('return undefined;')).rejects.toThrow(/neither a request nor a response/);
    });

    it('rejects a handler that never settles (no timers exist to settle it)', async () => {
      await expect(evaluate('await new Promise(() => {}); return {};')).rejects.toThrow(/never settled/);
    });

    it('rejects a call that runs longer than the 1 s wall-clock guard', async () => {
      const started = Date.now();
      await expect(evaluate('for (;;) {}')).rejects.toThrow(/exceeded the 1000 ms wall-clock guard/);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('freezes Date at the start of each run', async () => {
      const result = (await evaluate('const a = Date.now(); for (let i = 0; i < 2e6; i++) {} return { a: a, b: new Date().getTime(), c: Date.now() };')) as { a: number; b: number; c: number };
      expect(result.a).toBe(result.b);
      expect(result.a).toBe(result.c);
      expect(Math.abs(result.a - Date.now())).toBeLessThan(5000);
      expect(await evaluate('return { y: new Date(2020, 0, 2).getFullYear(), ok: new Date() instanceof Date };')).toEqual({ y: 2020, ok: true });
    });

    it('freezes Date at the `now` option when given', async () => {
      const fn = loadCloudFrontFunction('function handler(e) { return { t: Date.now(), d: new Date().toISOString() }; }', { kvs: new Map(), now: () => 1_900_000_000_000 });
      expect(await fn.handler(EVENT)).toEqual({ t: 1_900_000_000_000, d: '2030-03-17T17:46:40.000Z' });
    });

    it('sends console.log lines to the log option, one argument at a time as documented', async () => {
      const lines: string[] = [];
      await evaluate('console.log("hello " + event.viewer.ip); console.log({ a: 1 }); return {};', options([], (line) => lines.push(line)));
      expect(lines).toEqual(['hello 198.51.100.11', '{"a":1}']);
      await expect(evaluate('console.log("a", "b"); return {};')).rejects.toThrow(/exactly one argument/);
    });
  });

  describe('what CloudFront refuses at load', () => {
    it('refuses code over 10 KB', () => {
      const code = `function handler(e) { return e.request; }\n// ${'x'.repeat(10_240)}`;
      expect(() => loadCloudFrontFunction(code, options())).toThrow(/limit is 10240/);
    });

    it('refuses code without a handler', () => {
      expect(() => loadCloudFrontFunction('function other() {}', options())).toThrow(/no `function handler\(event\)`/);
    });

    it('refuses an import of a module the runtime does not have', () => {
      expect(() => loadCloudFrontFunction("import fs from 'fs';\nfunction handler(e) { return e.request; }", options())).toThrow(
        /no module 'fs'/,
      );
    });

    it('refuses exports and any import form other than `import X from "M"` at the top', () => {
      for (const code of [
        'export function handler(e) { return e.request; }',
        "import { kvs } from 'cloudfront';\nfunction handler(e) { return e.request; }",
        "function handler(e) { return e.request; }\nimport cf from 'cloudfront';",
      ]) {
        expect(() => loadCloudFrontFunction(code, options())).toThrow(/does not parse/);
      }
    });

    it('rejects top-level code that throws', () => {
      expect(() => loadCloudFrontFunction('throw new Error("at load");\nfunction handler(e) {}', options())).toThrow(/load failed: at load/);
    });
  });

  describe('what the runtime does not offer', () => {
    it.each([
      ['process', 'typeof process'],
      ['setTimeout', 'typeof setTimeout'],
      ['setImmediate', 'typeof setImmediate'],
      ['clearTimeout', 'typeof clearTimeout'],
      ['fetch', 'typeof fetch'],
      ['XMLHttpRequest', 'typeof XMLHttpRequest'],
      ['Map', 'typeof Map'],
      ['Set', 'typeof Set'],
      ['Proxy', 'typeof Proxy'],
      ['Reflect', 'typeof Reflect'],
      ['Intl', 'typeof Intl'],
      ['WebAssembly', 'typeof WebAssembly'],
      ['structuredClone', 'typeof structuredClone'],
    ])('has no %s', async (_name, expression) => {
      expect(await evaluate(`return { t: ${expression} };`)).toEqual({ t: 'undefined' });
    });

    it.each(['fs', 'http', 'net', 'child_process', 'node:crypto', 'process'])('require(%j) throws', async (name) => {
      await expect(evaluate(`require(${JSON.stringify(name)}); return {};`)).rejects.toThrow(`Cannot find module '${name}'`);
    });

    it.each([
      ['eval', 'eval("1 + 1")'],
      ['new Function', 'new Function("return 1")'],
      ['the Function constructor reached through a function', '(function () {}).constructor("return 1")'],
      ['the Function constructor reached through a runtime helper', 'console.log.constructor("return process")()'],
      ['the Function constructor reached through a module', 'require("crypto").createHash.constructor("return process")()'],
      ['the Function constructor reached through the KeyValueStore', 'require("cloudfront").kvs().get.constructor("return process")()'],
      ['the AsyncFunction constructor', '(async function () {}).constructor("return 1")'],
    ])('%s throws', async (_name, expression) => {
      await expect(evaluate(`${expression}; return {};`)).rejects.toThrow(/Code generation from strings disallowed/);
    });

    it('gives host errors no way back to the host realm', async () => {
      const opts = { kvs: { get: () => { throw new Error('store down'); } } };
      const result = await evaluate(
        'try { await require("cloudfront").kvs().get("k"); return {}; } catch (e) { try { e.constructor.constructor("return process")(); return { escaped: true }; } catch (e2) { return { message: e.message, blocked: String(e2) }; } }',
        opts,
      );
      expect(result).toEqual({ message: 'store down', blocked: expect.stringMatching(/Code generation from strings disallowed/) });
    });
  });

  describe("module 'cloudfront': kvs()", () => {
    const entries: Array<[string, string]> = [
      ['greeting', 'héllo'],
      ['config', '{"ladder":[1,2]}'],
    ];

    it('reads a key as a string by default, as JSON or as bytes on request', async () => {
      const result = await evaluate(
        'const kvs = cf.kvs(); return { s: await kvs.get("greeting"), s2: await kvs.get("greeting", { format: "string" }), j: await kvs.get("config", { format: "json" }), b: Array.prototype.slice.call(await kvs.get("greeting", { format: "bytes" })) };',
        options(entries),
        "import cf from 'cloudfront';",
      );
      expect(result).toEqual({ s: 'héllo', s2: 'héllo', j: { ladder: [1, 2] }, b: [...Buffer.from('héllo')] });
    });

    it('throws on get() of a missing key, like the real store', async () => {
      await expect(evaluate('await cf.kvs().get("missing"); return {};', options(entries), "import cf from 'cloudfront';")).rejects.toThrow(
        /key not found/,
      );
    });

    it('answers exists() and meta()', async () => {
      const result = (await evaluate(
        'const kvs = cf.kvs(); return { yes: await kvs.exists("config"), no: await kvs.exists("missing"), meta: await kvs.meta() };',
        options(entries),
        "import cf from 'cloudfront';",
      )) as { yes: boolean; no: boolean; meta: { keyCount: number; creationDateTime: string } };
      expect(result.yes).toBe(true);
      expect(result.no).toBe(false);
      expect(result.meta.keyCount).toBe(2);
      expect(new Date(result.meta.creationDateTime).toISOString()).toBe(result.meta.creationDateTime);
    });

    it('is reachable through require() too', async () => {
      expect(await evaluate('return { e: await require("cloudfront").kvs().exists("config") };', options(entries))).toEqual({ e: true });
    });
  });

  describe("module 'crypto'", () => {
    it('computes hashes and HMACs like node:crypto, for md5, sha1 and sha256', async () => {
      const result = await evaluate(
        `return {
          md5: crypto.createHash('md5').update('abc').digest('hex'),
          sha1: crypto.createHash('sha1').update('a').update('bc').digest('base64'),
          hmac: crypto.createHmac('sha256', 'secret').update('payload').digest('base64url'),
          raw: crypto.createHmac('sha256', 'secret').update('payload').digest().toString('hex'),
          isBuffer: Buffer.isBuffer(crypto.createHash('sha256').update('abc').digest()),
        };`,
        options(),
        "import crypto from 'crypto';",
      );
      const hmac = createHmac('sha256', 'secret').update('payload');
      expect(result).toEqual({
        md5: createHash('md5').update('abc').digest('hex'),
        sha1: createHash('sha1').update('abc').digest('base64'),
        hmac: createHmac('sha256', 'secret').update('payload').digest('base64url'),
        raw: hmac.digest('hex'),
        isBuffer: true,
      });
    });

    it('offers createHash and createHmac and nothing else: no timingSafeEqual, randomBytes, subtle, sign or verify', async () => {
      expect(await evaluate('return { keys: Object.keys(require("crypto")).sort() };')).toEqual({ keys: ['createHash', 'createHmac'] });
    });

    it('digests to hex, base64 and base64url only', async () => {
      for (const encoding of ['latin1', 'binary', 'base64urlsafe', 'utf8']) {
        await expect(evaluate(`require("crypto").createHmac("sha256", "k").update("x").digest(${JSON.stringify(encoding)}); return {};`)).rejects.toThrow(
          /Unknown digest encoding/,
        );
      }
    });

    it('refuses algorithms the runtime does not list', async () => {
      await expect(evaluate('require("crypto").createHash("sha512"); return {};')).rejects.toThrow(/not supported: sha512/);
      expect(await evaluate('return { t: typeof require("crypto").createVerify };')).toEqual({ t: 'undefined' });
    });
  });

  describe("modules 'querystring' and 'buffer', and the text globals", () => {
    it('parses and stringifies query strings', async () => {
      const result = await evaluate(
        'const qs = require("querystring"); return { p: qs.parse("name=value&abc=xyz&abc=123"), s: qs.stringify({ name: "va lue", abc: ["xyz", "123"] }), e: qs.escape("a b") };',
      );
      expect(result).toEqual({ p: { name: 'value', abc: ['xyz', '123'] }, s: 'name=va%20lue&abc=xyz&abc=123', e: 'a%20b' });
    });

    it('encodes and decodes with Buffer, atob/btoa, TextEncoder and TextDecoder', async () => {
      const result = await evaluate(
        `const B = require('buffer').Buffer;
        return {
          same: B === Buffer,
          b64: Buffer.from('héllo').toString('base64'),
          b64url: Buffer.from([251, 255]).toString('base64url'),
          hex: Buffer.from('6869', 'hex').toString(),
          len: Buffer.byteLength('héllo'),
          concat: Buffer.concat([Buffer.from('a'), Buffer.from('b')]).toString(),
          eq: Buffer.from('x').equals(Buffer.from('x')),
          atob: atob('aGk='),
          btoa: btoa('hi'),
          enc: Array.prototype.slice.call(new TextEncoder().encode('é')),
          dec: new TextDecoder().decode(new Uint8Array([0xc3, 0xa9])),
        };`,
      );
      expect(result).toEqual({
        same: true,
        b64: Buffer.from('héllo').toString('base64'),
        b64url: '-_8',
        hex: 'hi',
        len: 6,
        concat: 'ab',
        eq: true,
        atob: 'hi',
        btoa: 'aGk=',
        enc: [0xc3, 0xa9],
        dec: 'é',
      });
    });

    it('refuses encodings the runtime does not list', async () => {
      await expect(evaluate('Buffer.from("x", "utf16le"); return {};')).rejects.toThrow(/Unknown encoding/);
    });
  });
});

describe('Function: rewriteImports', () => {
  it('turns leading default imports into require() and leaves the rest alone', () => {
    expect(rewriteImports('import a from"cloudfront";import b from \'crypto\';\nfunction handler(){ import_x(); }')).toBe(
      'const a=require("cloudfront");const b=require("crypto");\nfunction handler(){ import_x(); }',
    );
  });

  it('skips comments and whitespace before and between imports', () => {
    expect(rewriteImports("// head\n/* block */\nimport cf from 'cloudfront';\n")).toBe('// head\n/* block */\nconst cf=require("cloudfront");\n');
  });
});
