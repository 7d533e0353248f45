import { z } from 'zod';
import { canonicalUri, parseImageRequest, type PlannedVariant, standardVariants, type TenantConfig, tenantPolicy } from '../../core/index.ts';
import { TaskInputInvalid } from '../shared/errors.ts';
import { defineTask } from '../shared/task.ts';

const NAME = 'plan-variants';

export interface PlanVariantsDeps {
  /** The tenant's config (its ladder and qualities), when it has one. */
  readonly tenantConfig?: (tenant: string) => Promise<TenantConfig | undefined>;
}

/** Pure but for the tenant's config: no idempotency record, safe to run any number of times. */
export const createPlanVariantsTask = (deps: PlanVariantsDeps = {}) =>
  defineTask({
    name: NAME,
    input: z.object({ tenant: z.string().min(1), path: z.string().min(1) }),
    run: async (input): Promise<{ variants: PlannedVariant[] }> => {
      const parsed = parseImageRequest(canonicalUri(input), []);
      if (!parsed.ok) throw new TaskInputInvalid(NAME, parsed.reason);
      return { variants: standardVariants(parsed.request, tenantPolicy(await deps.tenantConfig?.(input.tenant))) };
    },
  });
