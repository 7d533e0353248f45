import { type ImageRequest, parseOriginalKey } from '../../core/index.ts';
import { TaskInputInvalid } from './errors.ts';

/** The tenant and path of `key`, which must be an original key of `tenant`: else TaskInputInvalid, never retried. */
export function tenantOriginal(task: string, tenant: string, key: string): Pick<ImageRequest, 'tenant' | 'path'> {
  const original = parseOriginalKey(key);
  if (original?.tenant !== tenant) throw new TaskInputInvalid(task, `${JSON.stringify(key)} is not an original key of tenant ${JSON.stringify(tenant)}`);
  return original;
}
