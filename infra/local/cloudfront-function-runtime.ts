/// <reference types="aws-cloudfront-function" />
/**
 * A local stand-in for the CloudFront Functions runtime (cloudfront-js-2.0):
 * runs a built function file, unchanged, in a node:vm context that offers
 * only what the real runtime documents, so code that leans on anything else
 * fails here first.
 *
 * Offered (functions-javascript-runtime-20.html, functions-custom-methods.html):
 *   - the ECMAScript builtins; globals the page does not list are removed
 *     (Map, Set, Proxy, Reflect, Intl, WebAssembly, BigInt, …)
 *   - console.log (one argument), atob, btoa, Buffer, TextEncoder, TextDecoder
 *   - modules via require() or a top-level `import X from 'M'`: cloudfront
 *     (kvs() → get/exists/meta; get of a missing key throws), crypto (createHash
 *     and createHmac only; md5, sha1, sha256; digest() to hex, base64, base64url,
 *     or a Buffer without an encoding — no timingSafeEqual, randomBytes, sign or
 *     verify: functions-javascript-runtime-features.html, "Crypto (hash and HMAC)"),
 *     querystring, buffer
 *   - Date frozen at the start of each run; strict mode
 * Not offered: process, require of anything else, timers, fetch or any network,
 * file system; eval and the Function constructor throw.
 *
 * Liberties, all deliberate:
 *   - vm.Script cannot run ES module syntax, so the leading `import X from 'M';`
 *     statements (the only form CloudFront documents) are rewritten into
 *     `const X = require('M');`. Any other import or export is a syntax error.
 *   - Events and results cross the realm boundary as JSON: callers get plain
 *     data they can deep-equal, and the function gets plain data too.
 *   - A call is rejected after 1 s of wall-clock time. The real limit is a
 *     compute-utilization budget of roughly 1 ms that cannot be reproduced here;
 *     nor can the 2 MB memory limit.
 *   - node:vm is no security boundary. The sandbox hands the function only
 *     objects of its own realm (host helpers are reached through a closure the
 *     function cannot see) so that `x.constructor.constructor` stays inert, but
 *     it exists for fidelity, not to contain hostile code.
 */
import { createHash, createHmac, type BinaryToTextEncoding } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import querystring from 'node:querystring';
import vm from 'node:vm';
import { MAX_FUNCTION_BYTES, VIEWER_FUNCTION_FILE } from '../../edge/viewer/artifact.ts';

/** The KeyValueStore's contents, e.g. a Map. `size` (when present) feeds meta().keyCount. */
export interface KeyValueStoreData {
  get(key: string): string | undefined;
  readonly size?: number;
}

/** The event CloudFront passes (functions-event-structure.html); `response` only for viewer-response. */
export interface CloudFrontFunctionEvent {
  version: '1.0';
  context: AWSCloudFrontFunction.Context;
  viewer: AWSCloudFrontFunction.Viewer;
  request: AWSCloudFrontFunction.Request;
  response?: AWSCloudFrontFunction.Response;
}

/** A viewer-request function returns the (modified) request or a generated response. */
export type CloudFrontFunctionResult = AWSCloudFrontFunction.Request | AWSCloudFrontFunction.Response;

export interface CloudFrontFunction {
  handler(event: CloudFrontFunctionEvent): Promise<CloudFrontFunctionResult>;
}

export interface CloudFrontFunctionOptions {
  kvs: KeyValueStoreData;
  /** Receives each console.log line; discarded when omitted. */
  log?: (line: string) => void;
  /** The time each run freezes Date at, in ms (default: Date.now()); tests pin it for fixtures that carry an expiry. */
  now?: () => number;
}

/** Wall-clock guard per load or call; see the header for why it is not the real budget. */
export const WALL_CLOCK_LIMIT_MS = 1000;

/** The modules a function may import or require. */
const MODULES = ['cloudfront', 'crypto', 'querystring', 'buffer'] as const;

/** Lexical binding through which the host drives the sandbox; visible to the function, harmless to it. */
const API = '__imgedgeCloudFrontRuntime';
const HOST = '__imgedgeHost';

/**
 * The host side of the bridge. Every argument and return value is a primitive
 * (strings are "binary strings", one char per byte, where bytes are meant), so
 * no object of this realm ever reaches the function.
 */
function hostBridge(options: CloudFrontFunctionOptions) {
  const log = options.log ?? (() => {});
  const kvs = options.kvs;
  return {
    log: (line: string): void => log(line),
    kvsGet: (key: string): string | undefined => {
      const value = kvs.get(key);
      if (value !== undefined && typeof value !== 'string') throw new TypeError(`KeyValueStore value of ${key} is not a string`);
      return value;
    },
    kvsSize: (): number => (typeof kvs.size === 'number' ? kvs.size : 0),
    encode: (text: string, encoding: BufferEncoding): string => Buffer.from(text, encoding).toString('latin1'),
    decode: (binary: string, encoding: BufferEncoding): string => Buffer.from(binary, 'latin1').toString(encoding),
    digest: (algorithm: string, key: string | null, data: string, encoding: string): string => {
      const hash = key === null ? createHash(algorithm) : createHmac(algorithm, Buffer.from(key, 'latin1'));
      hash.update(Buffer.from(data, 'latin1'));
      return hash.digest((encoding || 'binary') as BinaryToTextEncoding); // 'binary' = latin1: one char per byte
    },
    atob: (text: string): string => atob(text),
    btoa: (text: string): string => btoa(text),
    qsParse: (text: string, sep: string | undefined, eq: string | undefined, maxKeys: number | undefined, decode: ((s: string) => string) | undefined): string => {
      const opts: querystring.ParseOptions = {};
      if (maxKeys !== undefined) opts.maxKeys = maxKeys;
      if (decode !== undefined) opts.decodeURIComponent = decode;
      return JSON.stringify(querystring.parse(text, sep, eq, opts));
    },
    qsStringify: (json: string, sep: string | undefined, eq: string | undefined, encode: ((s: string) => string) | undefined): string =>
      querystring.stringify(JSON.parse(json), sep, eq, encode === undefined ? undefined : { encodeURIComponent: encode }),
    qsEscape: (text: string): string => querystring.escape(text),
    qsUnescape: (text: string): string => querystring.unescape(text),
  };
}

/**
 * The sandbox side, run inside the context before the function. Plain JS (not
 * a serialized TS function: tsx/vitest may inject helpers into those).
 */
const BOOTSTRAP = String.raw`
'use strict';
const ${API} = (function (host) {
  const g = globalThis;
  const hostLog = host.log, hostKvsGet = host.kvsGet, hostKvsSize = host.kvsSize;
  const hostEncode = host.encode, hostDecode = host.decode, hostDigest = host.digest;
  const hostAtob = host.atob, hostBtoa = host.btoa;
  const hostQsParse = host.qsParse, hostQsStringify = host.qsStringify, hostQsEscape = host.qsEscape, hostQsUnescape = host.qsUnescape;
  const parseJson = JSON.parse, stringifyJson = JSON.stringify, toStr = String, fromCharCode = String.fromCharCode;
  const SandboxError = Error, SandboxTypeError = TypeError, isView = ArrayBuffer.isView, isArray = Array.isArray;
  const hasOwn = Object.prototype.hasOwnProperty, SandboxPromise = Promise;

  // Host helpers may throw host-realm errors; the function only ever sees its own realm's.
  function call(fn, a, b, c, d, e) {
    try { return fn(a, b, c, d, e); } catch (err) { throw new SandboxError(toStr(err && err.message)); }
  }

  // ---- Date: "always returns the same value—the function's start time—during a single run"
  const RealDate = Date;
  let startTime = RealDate.now();
  function FrozenDate(...args) {
    if (!new.target) return new RealDate(startTime).toString();
    return args.length === 0 ? new RealDate(startTime) : new RealDate(...args);
  }
  Object.defineProperty(FrozenDate, 'prototype', { value: RealDate.prototype });
  Object.defineProperty(RealDate.prototype, 'constructor', { value: FrozenDate, writable: true, configurable: true });
  FrozenDate.now = function now() { return startTime; };
  FrozenDate.parse = RealDate.parse;
  FrozenDate.UTC = RealDate.UTC;

  // ---- bytes as binary strings (one char per byte) for the host bridge
  function toBinary(bytes) {
    let out = '';
    for (let i = 0; i < bytes.length; i += 4096) out += fromCharCode.apply(null, bytes.subarray(i, i + 4096));
    return out;
  }
  function fromBinary(binary) {
    const bytes = new Buffer(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  const ENCODINGS = { utf8: 'utf8', 'utf-8': 'utf8', hex: 'hex', base64: 'base64', base64url: 'base64url' };
  function encodingOf(encoding) {
    if (encoding === undefined) return 'utf8';
    const name = typeof encoding === 'string' ? ENCODINGS[encoding.toLowerCase()] : undefined;
    if (name === undefined) throw new SandboxTypeError('Unknown encoding: ' + toStr(encoding));
    return name;
  }
  function bytesOf(value, encoding) {
    if (typeof value === 'string') return fromBinary(call(hostEncode, value, encodingOf(encoding)));
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    throw new SandboxTypeError('expected a string, Buffer, TypedArray, DataView or ArrayBuffer');
  }

  // ---- Buffer (the 2.0 "Buffer module"; the commonly used subset)
  class Buffer extends Uint8Array {
    static from(value, encodingOrOffset, length) {
      if (typeof value === 'string') return bytesOf(value, encodingOrOffset);
      if (value instanceof ArrayBuffer) {
        const offset = encodingOrOffset === undefined ? 0 : encodingOrOffset;
        return new Buffer(value, offset, length === undefined ? value.byteLength - offset : length);
      }
      if (isView(value) || isArray(value)) {
        const out = new Buffer(value.length);
        for (let i = 0; i < value.length; i++) out[i] = value[i] & 255;
        return out;
      }
      throw new SandboxTypeError('Buffer.from: unsupported argument');
    }
    static alloc(size, fill, encoding) {
      const out = new Buffer(size);
      if (fill !== undefined) out.fill(fill, 0, size, encoding);
      return out;
    }
    static allocUnsafe(size) { return new Buffer(size); }
    static byteLength(value, encoding) { return typeof value === 'string' ? bytesOf(value, encoding).length : bytesOf(value).byteLength; }
    static isBuffer(value) { return value instanceof Buffer; }
    static isEncoding(encoding) { return typeof encoding === 'string' && ENCODINGS[encoding.toLowerCase()] !== undefined; }
    static compare(a, b) { return a.compare(b); }
    static concat(list, totalLength) {
      let total = 0;
      for (let i = 0; i < list.length; i++) total += list[i].length;
      const out = new Buffer(totalLength === undefined ? total : totalLength);
      let at = 0;
      for (let i = 0; i < list.length && at < out.length; i++) {
        const part = list[i].subarray(0, out.length - at);
        out.set(part, at);
        at += part.length;
      }
      return out;
    }
    fill(value, start, end, encoding) {
      if (typeof value === 'string' || isView(value)) {
        const pattern = typeof value === 'string' ? bytesOf(value, encoding) : bytesOf(value);
        const from = start === undefined ? 0 : start, to = end === undefined ? this.length : end;
        for (let i = from, j = 0; i < to && pattern.length > 0; i++, j = (j + 1) % pattern.length) this[i] = pattern[j];
        return this;
      }
      return super.fill(value, start, end);
    }
    toString(encoding, start, end) {
      return call(hostDecode, toBinary(this.subarray(start === undefined ? 0 : start, end === undefined ? this.length : end)), encodingOf(encoding));
    }
    equals(other) { return this.compare(other) === 0; }
    compare(other) {
      const n = Math.min(this.length, other.length);
      for (let i = 0; i < n; i++) if (this[i] !== other[i]) return this[i] < other[i] ? -1 : 1;
      return this.length === other.length ? 0 : this.length < other.length ? -1 : 1;
    }
    toJSON() { return { type: 'Buffer', data: Array.prototype.slice.call(this) }; }
  }

  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(text) { return new Uint8Array(bytesOf(text === undefined ? '' : toStr(text), 'utf8')); }
    encodeInto(text, target) {
      const bytes = bytesOf(toStr(text), 'utf8');
      const written = Math.min(bytes.length, target.length);
      target.set(bytes.subarray(0, written));
      return { read: toStr(text).length, written: written };
    }
  }
  class TextDecoder {
    constructor(encoding, options) {
      if (encoding !== undefined && encodingOf(encoding) !== 'utf8') throw new SandboxTypeError('TextDecoder supports utf-8 only');
      this._fatal = !!(options && options.fatal);
      this._ignoreBOM = !!(options && options.ignoreBOM);
    }
    get encoding() { return 'utf-8'; }
    get fatal() { return this._fatal; }
    get ignoreBOM() { return this._ignoreBOM; }
    decode(input) { return input === undefined ? '' : Buffer.from(bytesOf(input)).toString('utf8'); }
  }

  // ---- modules
  const ALGORITHMS = { md5: true, sha1: true, sha256: true };
  const DIGESTS = { hex: true, base64: true, base64url: true };
  function hasher(algorithm, key) {
    if (typeof algorithm !== 'string' || ALGORITHMS[algorithm] !== true) throw new SandboxError('Digest method not supported: ' + toStr(algorithm));
    let data = '';
    let done = false;
    return {
      update(chunk, encoding) {
        if (done) throw new SandboxError('Digest already called');
        data += toBinary(bytesOf(chunk, encoding));
        return this;
      },
      digest(encoding) {
        if (done) throw new SandboxError('Digest already called');
        if (encoding !== undefined && DIGESTS[encoding] !== true) throw new SandboxError('Unknown digest encoding: ' + toStr(encoding));
        done = true;
        const out = call(hostDigest, algorithm, key, data, encoding === undefined ? '' : encoding);
        return encoding === undefined ? fromBinary(out) : out; // 2.0: a Buffer when no encoding is given
      },
    };
  }
  const crypto = {
    createHash(algorithm) { return hasher(algorithm, null); },
    createHmac(algorithm, key) { return hasher(algorithm, toBinary(bytesOf(key))); },
  };

  const querystring = {
    parse(text, sep, eq, options) {
      const maxKeys = options && options.maxKeys !== undefined ? options.maxKeys : undefined;
      const decode = options && typeof options.decodeURIComponent === 'function' ? options.decodeURIComponent : undefined;
      return parseJson(call(hostQsParse, toStr(text), sep, eq, maxKeys, decode));
    },
    stringify(object, sep, eq, options) {
      const encode = options && typeof options.encodeURIComponent === 'function' ? options.encodeURIComponent : undefined;
      return call(hostQsStringify, stringifyJson(object === undefined ? {} : object), sep, eq, encode);
    },
    escape(text) { return call(hostQsEscape, toStr(text)); },
    unescape(text) { return call(hostQsUnescape, toStr(text)); },
  };
  querystring.decode = querystring.parse;
  querystring.encode = querystring.stringify;

  const created = new RealDate(RealDate.now()).toISOString();
  function notFound(key) { return new SandboxError('KeyValueStore: key not found: ' + key); }
  function checkKey(key) { if (typeof key !== 'string') throw new SandboxTypeError('KeyValueStore key must be a string'); }
  async function kvsGet(key, options) {
    checkKey(key);
    const format = options && options.format !== undefined ? options.format : 'string';
    const value = call(hostKvsGet, key);
    if (value === undefined) throw notFound(key);
    if (format === 'string') return value;
    if (format === 'json') return parseJson(value);
    if (format === 'bytes') return bytesOf(value, 'utf8');
    throw new SandboxTypeError('KeyValueStore get: unknown format ' + toStr(format));
  }
  async function kvsExists(key) { checkKey(key); return call(hostKvsGet, key) !== undefined; }
  async function kvsMeta() {
    return { creationDateTime: created, lastUpdatedDateTime: created, keyCount: call(hostKvsSize) };
  }
  const kvsHandle = { get: kvsGet, exists: kvsExists, meta: kvsMeta };
  const cloudfront = { kvs(kvsId) { return kvsHandle; } };

  const modules = { cloudfront: cloudfront, crypto: crypto, querystring: querystring, buffer: { Buffer: Buffer } };
  function require(name) {
    if (typeof name === 'string' && hasOwn.call(modules, name)) return modules[name];
    throw new SandboxError("Cannot find module '" + toStr(name) + "'");
  }

  const console = {
    log(message) {
      // "CloudFront Functions doesn't support comma syntax, such as console.log('a', 'b')"
      if (arguments.length !== 1) throw new SandboxTypeError('console.log takes exactly one argument in CloudFront Functions');
      let line;
      if (typeof message === 'string') line = message;
      else { try { line = stringifyJson(message); } catch (err) { line = undefined; } if (line === undefined) line = toStr(message); }
      call(hostLog, line);
    },
  };

  // ---- the global object: add what the runtime has, remove what it does not list
  const define = (name, value) => Object.defineProperty(g, name, { value: value, writable: true, configurable: true, enumerable: false });
  define('Date', FrozenDate);
  define('console', console);
  define('require', require);
  define('Buffer', Buffer);
  define('TextEncoder', TextEncoder);
  define('TextDecoder', TextDecoder);
  define('atob', function atob(text) { return call(hostAtob, toStr(text)); });
  define('btoa', function btoa(text) { return call(hostBtoa, toStr(text)); });
  const ABSENT = ['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Proxy', 'Reflect', 'Intl',
    'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'BigInt', 'BigInt64Array', 'BigUint64Array', 'AggregateError',
    'Iterator', 'escape', 'unescape', 'structuredClone', 'queueMicrotask'];
  for (let i = 0; i < ABSENT.length; i++) delete g[ABSENT[i]];

  // ---- driving the function
  let handler;
  let pending;
  let outcome;
  function describe(err) { return err instanceof SandboxError ? err.name + ': ' + err.message : toStr(err); }
  return {
    bind() {
      handler = g.handler;
      return typeof handler === 'function';
    },
    prepare(eventJson, now) {
      pending = eventJson;
      startTime = now;
      outcome = undefined;
    },
    invoke() {
      const event = parseJson(pending);
      pending = undefined;
      let result;
      try { result = handler(event); } catch (err) { outcome = { ok: false, error: describe(err) }; return; }
      SandboxPromise.resolve(result).then(
        (value) => {
          try { outcome = { ok: true, json: stringifyJson(value) }; } catch (err) { outcome = { ok: false, error: 'result is not JSON: ' + describe(err) }; }
        },
        (err) => { outcome = { ok: false, error: describe(err) }; },
      );
    },
    take() {
      const taken = outcome;
      outcome = undefined;
      return taken === undefined ? undefined : taken.ok ? { ok: true, json: taken.json } : { ok: false, error: taken.error };
    },
  };
})(globalThis.${HOST});
delete globalThis.${HOST};
${API};
`;

interface SandboxApi {
  bind(): boolean;
  prepare(eventJson: string, now: number): void;
  take(): { ok: true; json: string | undefined } | { ok: false; error: string } | undefined;
}

/**
 * Turns the leading `import X from 'M';` statements (comments and whitespace
 * may come between) into `const X = require('M');`. Anything after the first
 * other statement is left alone, so a later import or any export stays a syntax error.
 */
export function rewriteImports(code: string): string {
  const LEADING = /^(?:\s+|\/\/[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;
  const IMPORT = /^import\s+([A-Za-z_$][\w$]*)\s+from\s*(['"])([^'"\\\n]+)\2[ \t]*;?/;
  let rest = code;
  let out = '';
  for (;;) {
    const skipped = (LEADING.exec(rest) as RegExpExecArray)[0];
    out += skipped;
    rest = rest.slice(skipped.length);
    const m = IMPORT.exec(rest);
    if (!m) break;
    const name = m[1] as string;
    const module = m[3] as string;
    if (!(MODULES as readonly string[]).includes(module)) {
      throw new Error(`CloudFront Functions offer no module '${module}' (only ${MODULES.join(', ')})`);
    }
    out += `const ${name}=require(${JSON.stringify(module)});`;
    rest = rest.slice(m[0].length);
  }
  return out + rest;
}

function runGuarded(script: vm.Script, context: vm.Context, what: string): unknown {
  try {
    return script.runInContext(context, { timeout: WALL_CLOCK_LIMIT_MS });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new Error(`CloudFront Function ${what} exceeded the ${WALL_CLOCK_LIMIT_MS} ms wall-clock guard`, { cause: err });
    }
    throw new Error(`CloudFront Function ${what} failed: ${String((err as Error)?.message ?? err)}`, { cause: err });
  }
}

/** Loads function code into a fresh sandbox; throws if CloudFront would refuse it or it fails to start. */
export function loadCloudFrontFunction(code: string, options: CloudFrontFunctionOptions): CloudFrontFunction {
  const bytes = Buffer.byteLength(code, 'utf8');
  if (bytes > MAX_FUNCTION_BYTES) throw new Error(`CloudFront Function is ${bytes} bytes; the limit is ${MAX_FUNCTION_BYTES}`);

  const context = vm.createContext(
    { [HOST]: hostBridge(options) },
    { name: 'cloudfront-js-2.0', codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate' },
  );
  const api = new vm.Script(BOOTSTRAP, { filename: 'cloudfront-runtime-bootstrap.js' }).runInContext(context) as SandboxApi;

  let script: vm.Script;
  try {
    // "Functions operate in strict mode by default" — same line, so positions in the code stay put.
    script = new vm.Script(`'use strict';${rewriteImports(code)}`, { filename: 'cloudfront-function.js' });
  } catch (err) {
    throw new Error(`CloudFront Function does not parse (${String((err as Error).message)}); only \`import X from 'module'\` at the top is supported, no other import or export`, { cause: err });
  }
  runGuarded(script, context, 'load');
  if (!api.bind()) throw new Error('CloudFront Function defines no `function handler(event)`');

  const invoke = new vm.Script(`${API}.invoke();`, { filename: 'cloudfront-invoke.js' });
  return {
    async handler(event: CloudFrontFunctionEvent): Promise<CloudFrontFunctionResult> {
      api.prepare(JSON.stringify(event), (options.now ?? Date.now)());
      runGuarded(invoke, context, 'handler'); // microtasks run inside the call (microtaskMode afterEvaluate)
      const outcome = api.take();
      if (outcome === undefined) throw new Error('CloudFront Function handler never settled (there are no timers to wait for)');
      if (!outcome.ok) throw new Error(`CloudFront Function handler threw: ${outcome.error}`);
      if (outcome.json === undefined) throw new Error('CloudFront Function handler returned neither a request nor a response');
      return JSON.parse(outcome.json) as CloudFrontFunctionResult;
    },
  };
}

/** Loads the built viewer-request function (dist/edge/viewer-request.js; `npm run build:edge`). */
export async function loadViewerFunction(options: CloudFrontFunctionOptions): Promise<CloudFrontFunction> {
  let code: string;
  try {
    code = await readFile(VIEWER_FUNCTION_FILE, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${VIEWER_FUNCTION_FILE}: run \`npm run build:edge\` first`, { cause: err });
  }
  return loadCloudFrontFunction(code, options);
}
