/**
 * A deployment whose every name is as long as the config allows: the longest
 * deployment name, tenants of MAX_TENANT_LENGTH characters (one signing with
 * its own key group of the most keys, each with the longest id, and a hotlink
 * rule; one hmac), so a synth of it proves every generated per-tenant name fits.
 */
import { MAX_TENANT_LENGTH } from '../../core/index.ts';
import { type DeploymentConfigInput, MAX_DEPLOYMENT_NAME_LENGTH, MAX_PUBLIC_KEY_ID_LENGTH, MAX_PUBLIC_KEYS_PER_TENANT } from '../../core/deployment/index.ts';
import { TEST_DEPLOYMENT, TEST_PUBLIC_KEY } from './synth.ts';

/** `fill` repeated (then cut) to `length` characters, ending in `suffix`. */
export const nameOfLength = (length: number, fill: string, suffix = ''): string => (fill.repeat(length).slice(0, length - suffix.length) + suffix);

export const LONGEST_DEPLOYMENT_NAME = nameOfLength(MAX_DEPLOYMENT_NAME_LENGTH, 'imgedge-', 'z');
export const LONGEST_KEY_GROUP_TENANT = nameOfLength(MAX_TENANT_LENGTH, 'signed-', 'z');
export const LONGEST_HMAC_TENANT = nameOfLength(MAX_TENANT_LENGTH, 'hmac-', 'z');

export const LONGEST_NAMES_DEPLOYMENT: DeploymentConfigInput = {
  ...TEST_DEPLOYMENT,
  name: LONGEST_DEPLOYMENT_NAME,
  tenants: [
    {
      name: LONGEST_KEY_GROUP_TENANT,
      allowedRefererDomains: ['shop.example'],
      signing: {
        mode: 'key-group',
        publicKeys: Array.from({ length: MAX_PUBLIC_KEYS_PER_TENANT }, (_, i) => ({ id: nameOfLength(MAX_PUBLIC_KEY_ID_LENGTH, 'K', `-${i}`), pem: TEST_PUBLIC_KEY })),
      },
    },
    { name: LONGEST_HMAC_TENANT, signing: { mode: 'hmac' } },
  ],
};
