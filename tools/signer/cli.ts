/**
 * `npm run sign -- <url> --tenant <t> [--ttl 3600]`: prints a signed URL.
 *
 *   key material, one of:
 *     (none)                                   the local stack's keys of signed-demo (hmac) or keygroup-demo (key-group)
 *     --secret-file <file> --kid <kid>         hmac: the tenant's secret (the file's first line)
 *     --key-file <pem> --key-pair-id <id>      key-group: an RSA private key of the tenant's key group
 *   key-group only: --policy canned|custom (default canned), --ip <cidr> (custom)
 *
 * signingRequest, the options after parsing, is also `npm run imgedge -- sign`'s
 * (tools/cli/commands/sign.ts), so both take the same key options the same way.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadOrCreateLocalSigningKeys, localSigningKey, type LocalSigningKeys } from '../../infra/local/ops/index.ts';
import { DEFAULT_TTL_SECONDS, SigningError, type SigningKey, signUrl, type SignUrlRequest } from '../../core/signing/index.ts';

export const USAGE = `usage: npm run sign -- <url> --tenant <tenant> [--ttl <seconds>]
         [--secret-file <file> --kid <kid> | --key-file <private-key.pem> --key-pair-id <id> [--policy canned|custom] [--ip <cidr>]]
without key options it signs with the local stack's keys (tenants signed-demo and keygroup-demo)`;

export interface SignCliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** The local keys, when no key option is given; default: .local-data/signing-keys.json. */
  readonly localKeys?: () => Promise<LocalSigningKeys>;
  readonly now?: Date;
}

/** A user mistake: printed with the usage, exit code 2. */
export class SignUsageError extends Error {
  override readonly name = 'SignUsageError';
}

/** The option values as parseArgs gives them (flag name without `--` → its string). */
export type SignOptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** Runs the command; returns the exit code (0 signed, 1 cannot sign, 2 bad usage). Never throws for user mistakes. */
export async function runSignCli(argv: readonly string[], io: SignCliIo): Promise<number> {
  try {
    io.out(signUrl(await parse(argv, io)));
    return 0;
  } catch (err) {
    if (err instanceof SignUsageError) {
      io.err(`sign: ${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof SigningError) {
      io.err(`sign: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

async function parse(argv: readonly string[], io: SignCliIo): Promise<SignUrlRequest> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        tenant: { type: 'string' },
        ttl: { type: 'string' },
        kid: { type: 'string' },
        'secret-file': { type: 'string' },
        'key-pair-id': { type: 'string' },
        'key-file': { type: 'string' },
        policy: { type: 'string' },
        ip: { type: 'string' },
      },
    });
  } catch (err) {
    throw new SignUsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new SignUsageError(positionals.length === 0 ? 'give the URL to sign' : 'give exactly one URL');
  return signingRequest(positionals[0] as string, values, io);
}

/** What to sign, from the option values: the tenant, the lifetime and the key (a file's, or the local stack's). */
export async function signingRequest(url: string, values: SignOptionValues, io: Pick<SignCliIo, 'localKeys' | 'now'>): Promise<SignUrlRequest> {
  const option = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const tenant = option('tenant');
  if (!tenant) throw new SignUsageError('--tenant is required');
  const ttl = option('ttl') ?? String(DEFAULT_TTL_SECONDS);
  if (!/^[0-9]+$/.test(ttl)) throw new SignUsageError(`--ttl must be a number of seconds, not ${ttl}`);
  const policy = option('policy');
  if (policy !== undefined && policy !== 'canned' && policy !== 'custom') throw new SignUsageError('--policy must be canned or custom');
  return { url, tenant, ttlSeconds: Number(ttl), key: await signingKey(tenant, option, policy, io), ...(io.now && { now: io.now }) };
}

async function signingKey(
  tenant: string,
  option: (name: string) => string | undefined,
  policy: 'canned' | 'custom' | undefined,
  io: Pick<SignCliIo, 'localKeys'>,
): Promise<SigningKey> {
  const ip = option('ip');
  const values = { 'secret-file': option('secret-file'), kid: option('kid'), 'key-file': option('key-file'), 'key-pair-id': option('key-pair-id') };
  const hmac = values['secret-file'] !== undefined || values.kid !== undefined;
  const keyGroup = values['key-file'] !== undefined || values['key-pair-id'] !== undefined;
  if (hmac && keyGroup) throw new SignUsageError('give either --secret-file and --kid (hmac) or --key-file and --key-pair-id (key-group)');
  if ((policy !== undefined || ip !== undefined) && hmac) throw new SignUsageError('--policy and --ip are for key-group signing');

  if (hmac) {
    if (!values['secret-file'] || !values.kid) throw new SignUsageError('hmac signing needs both --secret-file and --kid');
    const secret = (await readKeyFile(values['secret-file'])).split(/\r?\n/)[0] as string;
    return { mode: 'hmac', kid: values.kid, secret };
  }
  if (keyGroup) {
    if (!values['key-file'] || !values['key-pair-id']) throw new SignUsageError('key-group signing needs both --key-file and --key-pair-id');
    return withPolicy({ mode: 'key-group', keyPairId: values['key-pair-id'], privateKey: await readKeyFile(values['key-file']) }, policy, ip);
  }

  let keys: LocalSigningKeys;
  try {
    keys = await (io.localKeys ?? (() => loadOrCreateLocalSigningKeys()))();
  } catch (err) {
    throw new SignUsageError((err as Error).message);
  }
  const local = localSigningKey(keys, tenant);
  if (!local) throw new SignUsageError(`no local key signs for tenant ${tenant}: the local signed tenants are signed-demo (hmac) and keygroup-demo (key-group); for others pass a key`);
  if (local.mode === 'hmac') {
    if (policy !== undefined || ip !== undefined) throw new SignUsageError(`--policy and --ip are for key-group signing; ${tenant} signs with hmac`);
    return local;
  }
  return withPolicy(local, policy, ip);
}

function withPolicy(key: Extract<SigningKey, { mode: 'key-group' }>, policy: 'canned' | 'custom' | undefined, ip: string | undefined): SigningKey {
  return { ...key, ...(policy && { policy }), ...(ip !== undefined && { ipAddress: ip }) };
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new SignUsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runSignCli(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line) });
}
