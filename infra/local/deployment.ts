/**
 * The local stack's deployment config: the same schema (and the same
 * validation) as infra/aws/deployment.ts, so the local WAF applies exactly the
 * web ACL rules CDK would deploy for it. Only `waf` and `tenants` are read
 * locally; account and domain are placeholders the schema requires.
 */
import { type DeploymentConfig, parseDeploymentConfig } from '../../core/deployment/index.ts';
import { LOCAL_ACCOUNT } from './local-aws.ts';

/** What the local stack takes from a deployment config. */
export type LocalDeployment = Pick<DeploymentConfig, 'waf' | 'tenants'>;

/**
 * Requests per client IP per 5 minutes, locally. Everything local comes from
 * one IP (loopback), and `npm run bench` sends tens of thousands of requests in
 * seconds through it; tests that show the throttle set their own small limit.
 */
export const LOCAL_REQUESTS_PER_IP_PER_5_MINUTES = 1_000_000;

export const LOCAL_DEPLOYMENT: LocalDeployment = parseDeploymentConfig({
  name: 'imgedge-local',
  account: LOCAL_ACCOUNT,
  domain: { name: 'img.imgedge.test', hostedZoneId: 'ZLOCAL', zoneName: 'imgedge.test' },
  waf: { mode: 'block', requestsPerIpPer5Minutes: LOCAL_REQUESTS_PER_IP_PER_5_MINUTES },
  noncurrentOriginalDays: 1,
  tenants: [
    // A browser on the local stack's own pages sends a loopback Referer; opened directly, none.
    { name: 'demo', allowedRefererDomains: ['localhost', '127.0.0.1'], allowEmptyReferer: true },
  ],
}, { allowLoopbackReferers: true });
