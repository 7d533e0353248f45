/**
 * What one deployment of imgedge is: the account, the domain, the tenants and
 * the WAF policy. `infra/aws/deployment.ts` holds the values an operator edits;
 * `parseDeploymentConfig` refuses a config the stacks could not deploy, with
 * the field that is wrong, before any construct is made.
 */
import { z } from 'zod';
import { FITS, type AspectRatio } from '../contract/image-request.ts';
import { aspectRatio, backgroundProblem, fitsProblem, ladderProblem, qualitiesProblem, ratiosProblem, type TenantConfig, tenantConfigProblem } from '../contract/kvs.ts';
import { MAX_TENANT_LENGTH } from '../contract/limits.ts';
import { MAX_WAF_REGEX_LENGTH, MAX_WEB_ACL_WCU, refererPattern, webAclCapacity, webAclRules } from './waf-rules.ts';

/** CloudFront allows 4 trusted key groups per cache behavior and 5 public keys per key group. */
export const MAX_PUBLIC_KEYS_PER_TENANT = 5;
/**
 * One key group (and one cache behavior) per signed-URL tenant. CloudFront's
 * default quota is 10 key groups per account (CloudFront Developer Guide, cloudfront-limits.html, "Quotas on
 * key groups"; docs/aws-limits.md §C): past that, tenants sign with hmac.
 */
export const MAX_KEY_GROUP_TENANTS = 10;
/** Allowed Referer domains per tenant: ours, to keep one hotlink rule readable; their regex must also fit WAF's 512 characters. */
export const MAX_REFERER_DOMAINS = 10;
/**
 * The deployment's name prefixes every physical name. With it at this length and a tenant at
 * MAX_TENANT_LENGTH, every per-tenant name still fits its AWS limit; the longest are the upload
 * role (`{name}-upload-{tenant}`, 56 of IAM's 64) and the public key (`{name}-edge-{tenant}-{id}`,
 * 119 of the 128 we allow CloudFront names). docs/aws-limits.md §K; infra/aws/names.test.ts
 * synthesizes a deployment with every name at its longest.
 */
export const MAX_DEPLOYMENT_NAME_LENGTH = 16;
/** A public key's id names it in CloudFront (after the deployment and the tenant): see MAX_DEPLOYMENT_NAME_LENGTH. */
export const MAX_PUBLIC_KEY_ID_LENGTH = 64;

const tenantName = z
  .string()
  .regex(
    new RegExp(`^[a-z0-9-]{1,${MAX_TENANT_LENGTH}}$`),
    `tenant names are [a-z0-9-]{1,${MAX_TENANT_LENGTH}}: lower-case letters, digits and hyphens, at most ${MAX_TENANT_LENGTH} characters (the URL contract's limit, which every per-tenant AWS name is sized for)`,
  );
const domainName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a lower-case DNS name such as img.example.com');

/** Hosts a browser on the local stack's own pages sends as Referer; parseDeploymentConfig allows them in the local config only. */
const LOOPBACK_REFERERS = ['localhost', '127.0.0.1'] as const;

/** A site allowed to embed a tenant's images: a DNS name, or a loopback host for development. */
const refererDomain = z.union([domainName, z.enum(LOOPBACK_REFERERS)]);

const publicKey = z.object({
  /** Names the key in CloudFront; rotating a key means adding one with a new id, then removing the old. */
  id: z.string().regex(new RegExp(`^[A-Za-z0-9_-]{1,${MAX_PUBLIC_KEY_ID_LENGTH}}$`), `key ids are 1 to ${MAX_PUBLIC_KEY_ID_LENGTH} of [A-Za-z0-9_-]`),
  pem: z.string().startsWith('-----BEGIN PUBLIC KEY-----'),
});

const signing = z.discriminatedUnion('mode', [
  /** Anyone with the URL may fetch (the deny-list and WAF still apply). */
  z.object({ mode: z.literal('none') }),
  /** CloudFront signed URLs checked by CloudFront against this tenant's own key group. */
  z.object({ mode: z.literal('key-group'), publicKeys: z.array(publicKey).min(1).max(MAX_PUBLIC_KEYS_PER_TENANT) }),
  /**
   * HMAC tokens (kid, exp, sig) checked by the viewer function. Secrets are put in the
   * KeyValueStore by ops as `k:{tenant}:{kid}`, never in this file (README: Sign a URL).
   */
  z.object({ mode: z.literal('hmac') }),
]);

const tenant = z
  .object({
    name: tenantName,
    /** Width ladder override (ascending); the default ladder otherwise. */
    ladder: z.array(z.number().int()).optional(),
    /** The quality steps q snaps up to (some of 40, 60, 75, 85, 95, ascending); all of them otherwise. */
    qualities: z.array(z.number().int()).optional(),
    /** The aspect ratios (`"16:9"`) w with h is held to; `[]` drops h; h snaps to the ladder otherwise. */
    ratios: z.array(z.string()).optional(),
    /** The fits a request with w and h may name (inside, cover, contain, fill), inside among them; all four otherwise. */
    fits: z.array(z.enum(FITS)).optional(),
    /** `#rrggbb`: the padding of a JPEG under fit=contain, and that JPEG's background under transparency (other JPEGs flatten onto white); white otherwise. */
    background: z.string().optional(),
    /** Sites allowed to embed this tenant's images (the domain and its subdomains). Empty: no hotlink rule. */
    allowedRefererDomains: z.array(refererDomain).max(MAX_REFERER_DOMAINS).default([]),
    /**
     * Whether a request without a Referer passes the hotlink rule. Privacy settings, apps,
     * e-mail clients and direct visits send none, so refusing them breaks real users.
     */
    allowEmptyReferer: z.boolean().default(true),
    signing: signing.default({ mode: 'none' }),
    /**
     * Who may assume the tenant's upload role (IAM role or account ARNs). Empty: this
     * account's own principals, as its IAM policies allow.
     */
    uploadPrincipals: z.array(z.string().regex(/^arn:aws:iam::\d{12}:(root|role\/[\w+=,.@/-]+)$/)).default([]),
  })
  .superRefine((value, ctx) => {
    const spelled = value.ratios?.find((ratio) => aspectRatio(ratio) === undefined);
    const fields = {
      ladder: ladderProblem(value.ladder),
      qualities: qualitiesProblem(value.qualities),
      ratios: spelled === undefined ? ratiosProblem(value.ratios?.map((ratio) => aspectRatio(ratio)!)) : `ratio ${JSON.stringify(spelled)} is not W:H`,
      fits: fitsProblem(value.fits),
      background: backgroundProblem(value.background),
    };
    for (const [field, problem] of Object.entries(fields)) if (problem) ctx.addIssue({ code: 'custom', path: [field], message: problem });
    // Each field is valid: what they allow together must fit the bound on variants per original.
    const together = Object.values(fields).some(Boolean) ? undefined : tenantConfigProblem(tenantConfig(value));
    if (together) ctx.addIssue({ code: 'custom', path: [], message: together });
    const pattern = refererPattern(value.allowedRefererDomains);
    if (value.allowedRefererDomains.length > 0 && pattern.length > MAX_WAF_REGEX_LENGTH) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowedRefererDomains'],
        message: `the domains make a ${pattern.length}-character WAF regex; WAF allows ${MAX_WAF_REGEX_LENGTH}: list fewer or shorter domains`,
      });
    }
  });

const deploymentConfig = z
  .object({
    /** Resource names are prefixed with this, so two deployments can share an account. */
    name: z
      .string()
      .regex(
        new RegExp(`^[a-z][a-z0-9-]{1,${MAX_DEPLOYMENT_NAME_LENGTH - 1}}$`),
        `2 to ${MAX_DEPLOYMENT_NAME_LENGTH} of [a-z0-9-], starting with a letter: it prefixes every resource name`,
      ),
    account: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
    domain: z.object({
      /** The images host, e.g. img.example.com. */
      name: domainName,
      hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/),
      /** The hosted zone that holds `name`, e.g. example.com. */
      zoneName: domainName,
    }),
    waf: z.object({
      /** `count` records what the rules would block without blocking: start there, then switch to `block`. */
      mode: z.enum(['count', 'block']),
      /** Requests per client IP per 5 minutes; a page of 100 thumbnails reloaded often stays well below. */
      requestsPerIpPer5Minutes: z.number().int().min(10).max(2_000_000_000),
    }),
    tenants: z.array(tenant).min(1),
    /** How long noncurrent versions of originals are kept (recovery from an overwrite); a takedown is final after this. */
    noncurrentOriginalDays: z.number().int().min(1).max(365),
  })
  .superRefine((value, ctx) => {
    if (!value.domain.name.endsWith(`.${value.domain.zoneName}`) && value.domain.name !== value.domain.zoneName) {
      ctx.addIssue({ code: 'custom', path: ['domain', 'name'], message: `${value.domain.name} is not in the zone ${value.domain.zoneName}` });
    }
    const names = value.tenants.map((t) => t.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) ctx.addIssue({ code: 'custom', path: ['tenants'], message: `tenant ${duplicate} is listed twice` });
    const capacity = webAclCapacity(webAclRules(value));
    if (capacity > MAX_WEB_ACL_WCU) {
      ctx.addIssue({
        code: 'custom',
        path: ['tenants'],
        message: `the web ACL would need ${capacity} WCUs, WAF allows ${MAX_WEB_ACL_WCU}: fewer tenants with allowedRefererDomains`,
      });
    }
    const keyGroupTenants = value.tenants.filter((t) => t.signing.mode === 'key-group').length;
    if (keyGroupTenants > MAX_KEY_GROUP_TENANTS) {
      ctx.addIssue({
        code: 'custom',
        path: ['tenants'],
        message: `${keyGroupTenants} tenants use key groups; at most ${MAX_KEY_GROUP_TENANTS} (one cache behavior each): use hmac signing past that`,
      });
    }
  });

export type DeploymentConfigInput = z.input<typeof deploymentConfig>;
export type DeploymentConfig = z.output<typeof deploymentConfig>;
export type TenantDeployment = DeploymentConfig['tenants'][number];

/** What the viewer function reads as `t:{tenant}` (core/contract/kvs.ts): the tenant's policy and how its URLs must be signed. */
export function tenantConfig(tenant: Pick<TenantDeployment, 'ladder' | 'qualities' | 'ratios' | 'fits' | 'background' | 'signing'>): TenantConfig {
  return {
    ...(tenant.ladder && { ladder: tenant.ladder }),
    ...(tenant.qualities && { qualities: tenant.qualities }),
    ...(tenant.ratios && { ratios: tenant.ratios.map((ratio) => aspectRatio(ratio) as AspectRatio) }),
    ...(tenant.fits && { fits: tenant.fits }),
    ...(tenant.background && { background: tenant.background }),
    ...(tenant.signing.mode !== 'none' && { signing: tenant.signing.mode }),
  };
}

/**
 * `allowLoopbackReferers`: only the local stack's config may let `localhost` and
 * `127.0.0.1` embed a tenant's images; on a real distribution that would let any
 * page a viewer runs locally hotlink them.
 */
export function parseDeploymentConfig(input: DeploymentConfigInput, options: { allowLoopbackReferers?: boolean } = {}): DeploymentConfig {
  const parsed = deploymentConfig.safeParse(input);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(config)'}: ${issue.message}`);
  if (parsed.success && !options.allowLoopbackReferers) {
    parsed.data.tenants.forEach((tenant, i) => {
      const loopback = tenant.allowedRefererDomains.filter((domain) => (LOOPBACK_REFERERS as readonly string[]).includes(domain));
      if (loopback.length > 0) problems.push(`  tenants.${i}.allowedRefererDomains: ${loopback.join(', ')} is for the local stack only, not a deployment`);
    });
  }
  if (!parsed.success || problems.length > 0) throw new Error(`infra/aws/deployment.ts is not a deployable config:\n${problems.join('\n')}`);
  return parsed.data;
}
