import { readFile } from 'node:fs/promises';
import { PRIMARY_REGION, type LocalStack } from './stack.ts';

export const DEMO_TENANT = 'demo';

const SAMPLES: ReadonlyArray<readonly [file: string, contentType: string]> = [
  ['landscape.jpg', 'image/jpeg'],
  ['badge.png', 'image/png'],
  ['golden-ratio.gif', 'image/gif'],
];

/** Tenant `demo` with the sample originals of infra/local/samples (provenance in its README). */
export async function seedDemo(stack: LocalStack): Promise<string[]> {
  stack.putTenant(DEMO_TENANT, {});
  const keys: string[] = [];
  for (const [file, contentType] of SAMPLES) {
    const body = await readFile(new URL(`./samples/${file}`, import.meta.url));
    const key = `${DEMO_TENANT}/samples/${file}`;
    await stack.originals[PRIMARY_REGION].put(key, body, { contentType });
    keys.push(key);
  }
  await stack.replication.settled();
  return keys;
}
