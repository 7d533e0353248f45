/**
 * sign: a signed image URL for a tenant whose config requires signing. The
 * signing itself, key options included, is `npm run sign`'s (tools/signer/:
 * signingRequest, signUrl), the one signer; this adds what the other commands have: a path resolved
 * against --endpoint, the tenant read from the URL, --json, and --check, which
 * asks the edge whether it accepts the URL.
 */
import { StackUnreachable } from '../../../infra/local/ops/index.ts';
import { signingRequest, SignUsageError } from '../../signer/cli.ts';
import { SigningError, signUrl } from '../../../core/signing/index.ts';
import { report, type Command } from '../command.ts';
import { OperationIncomplete, UsageError } from '../errors.ts';

const KEY_OPTIONS = ['ttl', 'kid', 'secret-file', 'key-pair-id', 'key-file', 'policy', 'ip'] as const;

export const sign: Command = {
  summary: 'print a signed URL for a signed tenant (hmac token or CloudFront signed URL); --check asks the edge whether it accepts it',
  usage:
    'sign </tenant/path.ext?w=… | URL> [--tenant T] [--ttl SECONDS] [--check]\n' +
    '       [--secret-file FILE --kid KID | --key-file PEM --key-pair-id ID [--policy canned|custom] [--ip CIDR]]\n' +
    'without key options it signs with the local stack\'s keys (tenants signed-demo and keygroup-demo)',
  options: { tenant: { type: 'string' }, check: { type: 'boolean' }, ...Object.fromEntries(KEY_OPTIONS.map((name) => [name, { type: 'string' as const }])) },
  async run(context, values, positionals) {
    const [given, ...extra] = positionals;
    if (!given || extra.length > 0) throw new UsageError('sign takes one image URL, or a path like /demo/samples/landscape.jpg?w=640');
    const url = given.startsWith('/') ? `${context.endpoint}${given}` : given;
    const tenant = (values.tenant as string | undefined) ?? tenantOf(url);

    let signed: string;
    try {
      signed = signUrl(await signingRequest(url, { ...values, tenant }, {}));
    } catch (err) {
      if (err instanceof SignUsageError) throw new UsageError(err.message);
      if (err instanceof SigningError) throw new OperationIncomplete(`cannot sign: ${err.message}`);
      throw err;
    }

    const checked = values.check ? await check(signed) : undefined;
    report(context, { tenant, url, signed, ...(checked && { check: checked }) }, () => [
      signed,
      ...(checked ? [checked.status < 300 ? `the edge accepts it: ${checked.status} ${checked.contentType}` : `the edge refuses it: ${checked.status} ${checked.body}`] : []),
    ]);
    if (checked && checked.status >= 300) throw new OperationIncomplete(`the edge answered ${checked.status} to the signed URL`);
  },
};

function tenantOf(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    throw new UsageError(`not a URL: ${url}`);
  }
  const tenant = path.split('/')[1];
  if (!tenant) throw new UsageError(`${url} names no tenant: expected /{tenant}/{path}.{ext}`);
  return tenant;
}

async function check(url: string): Promise<{ status: number; contentType: string; body: string }> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new StackUnreachable(new URL(url).origin, { cause: err });
  }
  const contentType = res.headers.get('content-type') ?? '';
  const body = contentType.startsWith('text/') ? (await res.text()).trim() : '';
  return { status: res.status, contentType, body };
}
