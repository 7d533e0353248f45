/**
 * snippet: the markup a page embeds an original with, built by the URL builder (client/) over
 * its tenant's ladder: an `<img>` with src, srcset and sizes, and a `<picture>` with AVIF and
 * WebP sources. URLs are the stack's; for a signing tenant, each needs its signature.
 */
import { imgHtml, pictureHtml, responsiveImage } from '../../../client/index.ts';
import { positiveInteger, report, type Command } from '../command.ts';
import { OperationIncomplete, UsageError } from '../errors.ts';

const DEFAULT_SIZES = '100vw';

export const snippet: Command = {
  summary: "print the <img> (src, srcset, sizes) and <picture> markup of an original, over its tenant's ladder",
  usage: `snippet <tenant/path.ext> [--sizes "(max-width: 600px) 100vw, 600px" (default ${DEFAULT_SIZES})] [--max-width PX (the original's width: no larger candidates)] [--alt TEXT]`,
  options: { sizes: { type: 'string' }, 'max-width': { type: 'string' }, alt: { type: 'string' } },
  async run(context, values, positionals) {
    const [key, ...extra] = positionals;
    if (!key || extra.length > 0 || !key.includes('/')) throw new UsageError('snippet takes one original key, tenant first, e.g. demo/samples/landscape.jpg');
    const listing = await context.ops.originals();
    const tenant = listing.tenants.find((entry) => entry.tenant === key.slice(0, key.indexOf('/')));
    if (!tenant) throw new OperationIncomplete(`no tenant ${key.slice(0, key.indexOf('/'))} on the stack: the tenants are ${listing.tenants.map((entry) => entry.tenant).join(', ')}`);
    if (!tenant.originals.some((original) => original.key === key)) throw new OperationIncomplete(`${key} is not an original of the stack: upload it first`);
    const options = {
      ladder: tenant.ladder,
      sizes: (values.sizes as string | undefined) ?? DEFAULT_SIZES,
      ...(values['max-width'] !== undefined && { maxWidth: positiveInteger(values['max-width'], 0, '--max-width') }),
    };
    const source = { origin: context.endpoint, key };
    const attributes = { alt: (values.alt as string | undefined) ?? '' };
    const img = imgHtml(source, attributes, options);
    const picture = pictureHtml(source, attributes, options);
    const note = tenant.signing ? `tenant ${tenant.tenant} signs its URLs (${tenant.signing}): sign each URL (client/ ${tenant.signing === 'hmac' ? 'hmacSigner' : 'keyGroupSigner'}, or npm run imgedge -- sign)` : undefined;
    report(context, { key, ...responsiveImage(source, options), img, picture, ...(note && { note }) }, () => [img, '', picture, ...(note ? ['', note] : [])]);
  },
};
