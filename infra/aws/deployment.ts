/**
 * The deployment `npx cdk deploy` makes. Edit this file for your account,
 * domain and tenants (README, "Deploy to AWS"); `core/deployment/config.ts` says
 * what each field means and refuses values the stacks could not deploy.
 *
 * The account below is a placeholder so `npx cdk synth` works on any machine;
 * `-c account=123456789012` overrides it without editing the file.
 */
import type { DeploymentConfigInput } from '../../core/deployment/index.ts';

export const deployment: DeploymentConfigInput = {
  name: 'imgedge',
  account: '111111111111',
  domain: { name: 'img.example.com', hostedZoneId: 'Z0123456789EXAMPLE', zoneName: 'example.com' },
  waf: { mode: 'count', requestsPerIpPer5Minutes: 20_000 },
  noncurrentOriginalDays: 1,
  tenants: [
    { name: 'demo', allowedRefererDomains: [], signing: { mode: 'none' } },
    { name: 'shop', allowedRefererDomains: ['shop.example', 'shop-cdn.example'], allowEmptyReferer: true, signing: { mode: 'hmac' } },
  ],
};
