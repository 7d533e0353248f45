/** The variants of one original in the variants bucket, as delete-variants, promote-generation and the freshness expiry find them. */
import { canonicalUri, parseVariantName, variantUri, type ImageRequest, type VariantName } from '../../core/index.ts';
import type { ObjectStore } from '../../core/storage/index.ts';

/** Deletes in flight at once: a popular original may have hundreds of variants. */
const DELETE_CONCURRENCY = 16;

export type StoredVariant = VariantName & { readonly objectKey: string };

/** Every variant of `key` in the bucket. Objects under `key/` that are not of the variant shape (a nested original's variants, odd names) are not. */
export async function variantsOf(variants: ObjectStore, key: string): Promise<StoredVariant[]> {
  const found: StoredVariant[] = [];
  for await (const objectKey of variants.list(`${key}/`)) {
    const name = parseVariantName(key, objectKey);
    if (name) found.push({ ...name, objectKey });
  }
  return found;
}

/**
 * The most bytes of paths a deletion returns; past it, its paths are the original's one wildcard
 * (`/demo/cat.jpg*`, every query of its URI). They ride in the workflow's state and the task's
 * idempotency record, at most 256 KiB (docs/aws-limits.md §E) and 400 KB: an original may have
 * MAX_KEYS_PER_ORIGINAL (9,616) variants of a generation, and more across generations, while
 * 64 KiB holds some 40 of the longest paths (1,542 bytes) and 1,000 of the common ones. The invalidation
 * planner folds that many exact paths of one original into the same wildcard anyway.
 */
export const MAX_DELETED_PATHS_BYTES = 64 * 1024;

/** Deletes the variants of `key` that `select` picks and returns their cache keys (or, past MAX_DELETED_PATHS_BYTES, the original's wildcard). */
export async function deleteVariantsOf(
  variants: ObjectStore,
  key: string,
  original: Pick<ImageRequest, 'tenant' | 'path'>,
  select: (name: VariantName) => boolean = () => true,
): Promise<{ deleted: number; paths: string[] }> {
  const found = (await variantsOf(variants, key)).filter(select).map(({ objectKey, ...name }) => ({ objectKey, path: variantUri({ ...original, ...name }) }));
  for (let i = 0; i < found.length; i += DELETE_CONCURRENCY) {
    await Promise.all(found.slice(i, i + DELETE_CONCURRENCY).map((variant) => variants.delete(variant.objectKey)));
  }
  const paths = found.map((variant) => variant.path);
  const bytes = paths.reduce((sum, path) => sum + Buffer.byteLength(path) + 3, 0); // quotes and a comma each, in JSON
  return { deleted: found.length, paths: bytes > MAX_DELETED_PATHS_BYTES ? [`${canonicalUri(original)}*`] : paths };
}
