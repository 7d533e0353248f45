import { z } from 'zod';
import { canonicalUri, DEFAULT_LADDER, parseImageRequest, type PlannedVariant, standardVariants } from '../../core/index.ts';
import { TaskInputInvalid } from '../shared/errors.ts';
import { defineTask } from '../shared/task.ts';

const NAME = 'plan-variants';

export interface PlanVariantsDeps {
  /** The tenant's own width ladder, when it has one. */
  readonly tenantLadder?: (tenant: string) => Promise<readonly number[] | undefined>;
}

/** Pure but for the tenant's ladder: no idempotency record, safe to run any number of times. */
export const createPlanVariantsTask = (deps: PlanVariantsDeps = {}) =>
  defineTask({
    name: NAME,
    input: z.object({ tenant: z.string().min(1), path: z.string().min(1) }),
    run: async (input): Promise<{ variants: PlannedVariant[] }> => {
      const parsed = parseImageRequest(canonicalUri(input), []);
      if (!parsed.ok) throw new TaskInputInvalid(NAME, parsed.reason);
      const ladder = (await deps.tenantLadder?.(input.tenant)) ?? DEFAULT_LADDER;
      return { variants: standardVariants(parsed.request, ladder) };
    },
  });
