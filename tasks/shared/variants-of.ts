/** The variants of one original in the variants bucket, as delete-variants, promote-generation and the freshness expiry find them. */
import { parseVariantName, variantUri, type ImageRequest, type VariantName } from '../../core/index.ts';
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

/** Deletes the variants of `key` that `select` picks and returns their cache keys. */
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
  return { deleted: found.length, paths: found.map((variant) => variant.path) };
}
