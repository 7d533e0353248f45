/**
 * One synthesized deployment for the assertion tests: asset bundling skipped
 * (the synth test bundles for real), a config with one tenant of each signing
 * mode and one with hotlink rules.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { APP_CONTEXT } from '../../infra/aws/app-context.ts';
import { type DeploymentConfig, type DeploymentConfigInput, parseDeploymentConfig } from '../../core/deployment/index.ts';
import { defineImgedge, type ImgedgeStacks } from '../../infra/aws/imgedge.ts';
import { acknowledgeAppWide } from '../../infra/aws/nag.ts';

export const TEST_PUBLIC_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

export const TEST_DEPLOYMENT: DeploymentConfigInput = {
  name: 'imgtest',
  account: '123456789012',
  domain: { name: 'img.example.com', hostedZoneId: 'Z0123456789TEST', zoneName: 'example.com' },
  waf: { mode: 'block', requestsPerIpPer5Minutes: 5000 },
  noncurrentOriginalDays: 1,
  tenants: [
    { name: 'demo' },
    { name: 'shop', allowedRefererDomains: ['shop.example', 'shop-cdn.example'], allowEmptyReferer: false, signing: { mode: 'hmac' }, ladder: [320, 640, 1280] },
    { name: 'signed', signing: { mode: 'key-group', publicKeys: [{ id: 'k2026', pem: TEST_PUBLIC_KEY }] } },
  ],
};

export interface SynthesizedDeployment {
  readonly app: App;
  readonly config: DeploymentConfig;
  readonly stacks: ImgedgeStacks;
  readonly outdir: string;
  template(stack: keyof Omit<ImgedgeStacks, 'storage'>): Template;
  storageTemplate(region: string): Template;
}

export function synthesizeForAssertions(input: DeploymentConfigInput = TEST_DEPLOYMENT): SynthesizedDeployment {
  const outdir = mkdtempSync(join(tmpdir(), 'imgedge-cdk-'));
  const app = new App({ outdir, context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const config = parseDeploymentConfig(input);
  const stacks = defineImgedge(app, config);
  acknowledgeAppWide(app);
  const cache = new Map<string, Template>();
  const cached = (key: string, make: () => Template) => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as Template;
  };
  return {
    app,
    config,
    stacks,
    outdir,
    template: (stack) => cached(stack, () => Template.fromStack(stacks[stack])),
    storageTemplate: (region) => cached(`storage-${region}`, () => Template.fromStack(stacks.storage[region as keyof ImgedgeStacks['storage']])),
  };
}
