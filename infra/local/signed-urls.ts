/**
 * CloudFront's signed-URL check, stood in for: what CloudFront does for a
 * cache behavior with trusted key groups before the viewer function runs.
 * Real crypto (node:crypto RSA verify over the policy), CloudFront's rules:
 *
 *   - the URL checked is the one the viewer requested: its scheme, the Host it
 *     sent (port included), path and query as received, less the signing params.
 *     A signature is for one host: a URL signed for another (another of the
 *     distribution's names, or the deployment's domain when the local front door
 *     is reached at 127.0.0.1:PORT or localhost:PORT) or for the other scheme is refused
 *   - Key-Pair-Id names a public key of the behavior's key groups
 *   - canned policy: `Expires` + `Signature`; the policy is rebuilt from that
 *     URL and Expires, so the signature covers scheme, host, path and query
 *   - custom policy: `Policy` (the JSON itself) + `Signature`; Resource, matched
 *     against that whole URL, may use `*` and `?` wildcards anywhere (scheme and
 *     host included); DateLessThan, optional DateGreaterThan, optional
 *     IpAddress (AWS:SourceIp, a CIDR)
 *   - Signature is RSA-SHA1 over the policy's bytes (RSA-SHA256 with
 *     Hash-Algorithm=SHA256), both in CloudFront's base64: + = / become - _ ~
 *   - anything missing, unknown, malformed, forged, expired or not yet valid: 403
 *
 * private-content-creating-signed-url-canned-policy.md and -custom-policy.md
 * in the CloudFront developer guide (docs/aws-limits.md §C, "Signed URL: …" rows);
 * the signer is @aws-sdk/cloudfront-signer.
 */
import { BlockList, isIPv4 } from 'node:net';
import { createPublicKey, createVerify, type KeyObject } from 'node:crypto';
import { SIGNED_URL_PARAMS } from '../../core/index.ts';

/** A public key of a trusted key group: its id is what signers put in Key-Pair-Id. */
export interface TrustedPublicKey {
  readonly id: string;
  /** PEM (SPKI). */
  readonly publicKey: string;
}

export type SignedUrlVerdict = { readonly ok: true } | { readonly ok: false; readonly code: 'MissingKey' | 'AccessDenied'; readonly message: string };

const HASHES: Readonly<Record<string, string>> = { SHA1: 'RSA-SHA1', SHA256: 'RSA-SHA256' };

const OK: SignedUrlVerdict = { ok: true };
const denied = (message: string): SignedUrlVerdict => ({ ok: false, code: 'AccessDenied', message });

interface CustomPolicy {
  Statement?: Array<{
    Resource?: unknown;
    Condition?: {
      DateLessThan?: { 'AWS:EpochTime'?: unknown };
      DateGreaterThan?: { 'AWS:EpochTime'?: unknown };
      IpAddress?: { 'AWS:SourceIp'?: unknown };
    };
  }>;
}

/** `http(s)://` and a host (a port may follow), then the path: what a viewer's URL always has. */
const ABSOLUTE_URL = /^https?:\/\/[^/?#\s]+\//;

/**
 * Checks one request against the behavior's trusted keys. `url` is the full
 * viewer URL as received (`https://host/path?query`, the host from the Host header),
 * `clientIp` the viewer's address.
 */
export function checkSignedUrl(url: string, trusted: readonly TrustedPublicKey[], now: Date, clientIp: string): SignedUrlVerdict {
  const q = url.indexOf('?');
  const base = q < 0 ? url : url.slice(0, q);
  const own: string[] = [];
  const params = new Map<string, string>();
  for (const part of q < 0 ? [] : url.slice(q + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (!(SIGNED_URL_PARAMS as readonly string[]).includes(name)) {
      own.push(part);
      continue;
    }
    if (params.has(name)) return denied(`${name} appears twice`);
    params.set(name, safeDecode(eq < 0 ? '' : part.slice(eq + 1)));
  }

  const keyPairId = params.get('Key-Pair-Id');
  if (!keyPairId) return { ok: false, code: 'MissingKey', message: 'Missing Key-Pair-Id query parameter or cookie value' };
  const key = trusted.find((k) => k.id === keyPairId);
  if (!key) return denied('Key-Pair-Id is not in a trusted key group of this behavior');
  const signature = params.get('Signature');
  const expires = params.get('Expires');
  const encodedPolicy = params.get('Policy');
  if (!signature || (expires === undefined) === (encodedPolicy === undefined)) return denied('expected Signature with either Expires or Policy');
  const algorithm = params.get('Hash-Algorithm') ?? 'SHA1';
  if (!Object.hasOwn(HASHES, algorithm)) return denied('unknown Hash-Algorithm');
  const hash = HASHES[algorithm] as string;

  // Not a URL a viewer requested (no Host reached the call site): refused rather than matched against a policy.
  if (!ABSOLUTE_URL.test(base)) return denied('the request names no scheme and host');
  const resource = own.length > 0 ? `${base}?${own.join('&')}` : base;
  let policy: string;
  if (expires !== undefined) {
    if (!/^[0-9]{1,10}$/.test(expires)) return denied('malformed Expires');
    policy = `{"Statement":[{"Resource":"${resource}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
  } else {
    policy = fromCloudFrontBase64(encodedPolicy as string).toString('utf8');
  }
  if (!verifies(hash, policy, key.publicKey, signature)) return denied('the signature does not match the policy');

  const seconds = now.getTime() / 1000;
  if (expires !== undefined) return seconds < Number(expires) ? OK : denied('expired');
  return checkCustomPolicy(policy, resource, seconds, clientIp);
}

function checkCustomPolicy(json: string, resource: string, seconds: number, clientIp: string): SignedUrlVerdict {
  let policy: CustomPolicy;
  try {
    policy = JSON.parse(json) as CustomPolicy;
  } catch {
    return denied('the policy is not JSON');
  }
  const statement = policy.Statement?.length === 1 ? policy.Statement[0] : undefined;
  const condition = statement?.Condition;
  if (!statement || !condition) return denied('the policy needs exactly one statement with a Condition');
  if (statement.Resource !== undefined && (typeof statement.Resource !== 'string' || !wildcardMatch(statement.Resource, resource))) {
    return denied('the policy is for another resource');
  }
  const lessThan = condition.DateLessThan?.['AWS:EpochTime'];
  if (typeof lessThan !== 'number') return denied('the policy has no DateLessThan');
  if (seconds >= lessThan) return denied('expired');
  const greaterThan = condition.DateGreaterThan?.['AWS:EpochTime'];
  if (greaterThan !== undefined && (typeof greaterThan !== 'number' || seconds < greaterThan)) return denied('not valid yet');
  const cidr = condition.IpAddress?.['AWS:SourceIp'];
  if (cidr !== undefined && !inCidr(clientIp, cidr)) return denied('not valid from this IP address');
  return OK;
}

/** `*` matches any run of characters, `?` exactly one; everything else literally. */
function wildcardMatch(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

function inCidr(ip: string, cidr: unknown): boolean {
  if (typeof cidr !== 'string') return false;
  const [network, bits = '32'] = cidr.split('/');
  if (!network || !isIPv4(network) || !/^[0-9]{1,2}$/.test(bits) || Number(bits) > 32) return false;
  const list = new BlockList();
  list.addSubnet(network, Number(bits), 'ipv4');
  const address = ip.startsWith('::ffff:') ? ip.slice('::ffff:'.length) : ip;
  return isIPv4(address) && list.check(address, 'ipv4');
}

function verifies(hash: string, policy: string, publicKeyPem: string, signature: string): boolean {
  const key = publicKey(publicKeyPem);
  return key !== undefined && createVerify(hash).update(policy, 'utf8').verify(key, fromCloudFrontBase64(signature));
}

/** Parsed once per PEM: every request to a key-group tenant checks against the same few keys. */
const PUBLIC_KEYS = new Map<string, KeyObject | undefined>();

function publicKey(pem: string): KeyObject | undefined {
  if (!PUBLIC_KEYS.has(pem)) {
    let key: KeyObject | undefined;
    try {
      key = createPublicKey(pem);
    } catch {
      key = undefined;
    }
    PUBLIC_KEYS.set(pem, key);
  }
  return PUBLIC_KEYS.get(pem);
}

/** CloudFront's URL-safe base64: `-` for `+`, `_` for `=`, `~` for `/`. */
export function fromCloudFrontBase64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
