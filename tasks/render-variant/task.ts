import { z } from 'zod';
import { type ImageRequest, isGenerationToken, OriginsUnavailable, originalKey, parseVariant, variantKey } from '../../core/index.ts';
import { variantParamsSchema } from '../../core/schema/index.ts';
import { type Renderer, renderFromOriginals, renderVariant, storeVariant } from '../../core/transform/index.ts';
import { isUpload, type ObjectStore, type OriginalsReader } from '../../core/storage/index.ts';
import { isCurrentUpload, type OriginalsTable } from '../record-original/originals-table.ts';
import { TaskInputInvalid } from '../shared/errors.ts';
import { defineTask, MetricUnit } from '../shared/task.ts';

const NAME = 'render-variant';

export interface RenderVariantDeps {
  /** The same reader as the edge's: nearest replica first, failover, penalty. */
  readonly originals: OriginalsReader;
  readonly variants: ObjectStore;
  /** Where the original's current upload is recorded: a render of an earlier one must not be stored. */
  readonly originalsTable: OriginalsTable;
  /** Only the local stack wraps it, to count renders. */
  readonly render?: Renderer;
}

export type RenderVariantResult =
  | { readonly key: string; readonly status: 'created'; readonly bytes: number }
  | { readonly key: string; readonly status: 'exists' | 'superseded' };

const input = z.object({
  tenant: z.string().min(1),
  path: z.string().min(1),
  params: variantParamsSchema,
  /** The original's etag: the same variant of a re-uploaded original is new work. */
  etag: z.string().min(1),
  /** The upload's generation token (names the variant object), null for a first upload. */
  generation: z.string().refine(isGenerationToken, 'expected a generation token').nullable(),
});

/** The variant as the edge would see it (parseVariant); a bad one is the caller's bug. */
function variantRequest(variant: z.infer<typeof input>): ImageRequest {
  const parsed = parseVariant({ ...variant, generation: variant.generation ?? undefined });
  if (!parsed.ok) throw new TaskInputInvalid(NAME, parsed.reason);
  return parsed.request;
}

export const createRenderVariantTask = (deps: RenderVariantDeps) =>
  defineTask({
    name: NAME,
    input,
    idempotencyKey: (variant) => `${variantKey(variantRequest(variant))}@${variant.etag}`,
    run: async (variant, { metrics }): Promise<RenderVariantResult> => {
      const image = variantRequest(variant);
      const key = variantKey(image);
      // Checked first, so a replay past the idempotency record's expiry renders nothing.
      if (await deps.variants.exists(key)) return { key, status: 'exists' };
      const rendered = await renderFromOriginals(deps.originals, deps.render ?? renderVariant, image, isUpload(variant.etag)).catch(async (err: unknown) => {
        // No region has this upload: not replicated yet (retried), or replaced since (nothing to store).
        if (err instanceof OriginsUnavailable && !(await isCurrentUpload(deps.originalsTable, originalKey(image), variant.etag))) return undefined;
        throw err;
      });
      if (!rendered) return { key, status: 'superseded' };
      // Asked after the render, right before the put: a re-upload (or a takedown) recorded since must
      // not find this upload's variant stored after its own cleanup (docs/design.md, "Freshness").
      if (!(await isCurrentUpload(deps.originalsTable, originalKey(image), variant.etag))) return { key, status: 'superseded' };
      const status = await storeVariant(deps.variants, rendered);
      metrics.addMetric('VariantsRendered', MetricUnit.Count, 1);
      metrics.addMetric('RenderMs', MetricUnit.Milliseconds, rendered.renderMs);
      return status === 'created' ? { key, status, bytes: rendered.rendered.body.length } : { key, status };
    },
  });
