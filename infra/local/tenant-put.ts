/**
 * `PUT /_local/tenants/{tenant}`: the body replaces the tenant's config, so a body that
 * leaves `signing` out would make a signing tenant public without saying so. It fails
 * closed: a tenant that requires signatures keeps them unless the body names the mode it
 * wants, and drops them only with `"signing": "none"` and `"confirmPublic": true`.
 */
import { aspectRatio, type AspectRatio, SIGNING_MODES, type TenantConfig } from '../../core/index.ts';
import { HttpError } from './http.ts';
import type { TenantPut } from './ops/api.ts';

const FIELDS: ReadonlySet<string> = new Set<keyof TenantPut>(['ladder', 'qualities', 'ratios', 'fits', 'background', 'signing', 'confirmPublic']);
const SHAPE =
  '{"ladder"?: [rungs], "qualities"?: [q steps], "ratios"?: ["W:H"], "fits"?: ["inside", "cover", "contain", "fill"], "background"?: "#rrggbb", "signing"?: "hmac" | "key-group" | "none", "confirmPublic"?: true}';

/** The config to store for `tenant`, whose config is `current` (undefined: a new tenant), from a PUT's parsed JSON body. */
export function tenantConfigFromPut(tenant: string, current: TenantConfig | undefined, body: unknown): TenantConfig {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, `body must be a JSON object: ${SHAPE}`);
  const unknown = Object.keys(body).find((field) => !FIELDS.has(field));
  if (unknown !== undefined) throw new HttpError(400, `unknown field ${JSON.stringify(unknown)}: ${SHAPE}`);
  const { ladder, qualities, ratios, fits, background, signing, confirmPublic } = body as TenantPut;
  const spelled = ratios === undefined ? undefined : Array.isArray(ratios) ? ratios.map((ratio) => (typeof ratio === 'string' ? aspectRatio(ratio) : undefined)) : [undefined];
  const misspelled = spelled?.indexOf(undefined) ?? -1;
  if (misspelled >= 0) throw new HttpError(400, `ratio ${JSON.stringify(Array.isArray(ratios) ? ratios[misspelled] : ratios)} is not W:H (e.g. "16:9"): ${SHAPE}`);
  if (signing !== undefined && signing !== 'none' && !SIGNING_MODES.includes(signing)) throw new HttpError(400, 'signing must be hmac, key-group or none');
  if (confirmPublic !== undefined && typeof confirmPublic !== 'boolean') throw new HttpError(400, 'confirmPublic must be true or false');
  if (confirmPublic === true && signing !== 'none') throw new HttpError(400, 'confirmPublic: true goes only with "signing": "none"');

  const signs = current?.signing;
  if (signs !== undefined && signing === undefined)
    throw new HttpError(409, `tenant ${tenant} requires ${signs} signatures and a PUT replaces its config: send "signing": "${signs}" to keep them, or "signing": "none" with "confirmPublic": true to make its URLs public`);
  if (signs !== undefined && signing === 'none' && confirmPublic !== true)
    throw new HttpError(409, `tenant ${tenant} requires ${signs} signatures: making its URLs public takes "confirmPublic": true beside "signing": "none"`);
  return {
    ...(ladder !== undefined && { ladder }),
    ...(qualities !== undefined && { qualities }),
    ...(spelled !== undefined && { ratios: spelled as AspectRatio[] }),
    ...(fits !== undefined && { fits }),
    ...(background !== undefined && { background }),
    ...(signing !== undefined && signing !== 'none' && { signing }),
  };
}
