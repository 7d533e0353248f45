/**
 * What the cost and scale model is told about traffic and the deployment. Defaults
 * live here once; the measured ones come from MEASURED (measured.ts).
 */
import { STANDARD_WIDTHS } from '../../core/index.ts';
import { measuredValues } from './measured.ts';

export interface Assumptions {
  // Traffic.
  /** Images served per day: one viewer request each. */
  readonly imagesPerDay: number;
  /** Originals uploaded per day (default: one per 1,000 images served). */
  readonly uploadsPerDay: number;
  /** Takedowns per day (default: one per 1,000 uploads). */
  readonly takedownsPerDay: number;
  /**
   * Share of uploads after an earlier record of the same key (accepted, quarantined or taken down:
   * record-original's `replaced`): its variants are deleted and its generation advances, no invalidation.
   */
  readonly reuploadShare: number;
  /** Peak rate over mean rate, for the quotas. */
  readonly peakToMean: number;
  readonly daysPerMonth: number;

  // Measured (measured.ts; provisional until `npm run bench`).
  readonly edgeHitRatio: number;
  /** Of the edge misses, the share Origin Shield answers from its cache. */
  readonly shieldHitRatio: number;
  /** Of the shield misses (origin-request invocations on the variants origin), the share whose variant is not stored yet and is rendered. */
  readonly rendersPerShieldMiss: number;
  readonly meanRenderMs: number;
  readonly meanOriginalFetchMs: number;
  readonly meanVariantLookupMs: number;
  readonly meanVariantBytes: number;
  readonly meanValidateMs: number;
  readonly meanSmallTaskMs: number;

  // The deployment (infra/aws, edge/, tasks/).
  /** Lambda@Edge origin-request memory: ORIGIN_REQUEST_MEMORY_MB in infra/aws/stacks/edge.ts. */
  readonly edgeMemoryMb: number;
  /** render-variant task memory (infra/aws/stacks/pipeline.ts). */
  readonly renderTaskMemoryMb: number;
  /** validate-original task memory (infra/aws/stacks/pipeline.ts). */
  readonly validateMemoryMb: number;
  /** Every other task, Go planner included (taskFunction default, goPlanner). */
  readonly smallTaskMemoryMb: number;
  /** Pre-rendered per upload: STANDARD_WIDTHS × (avif, webp, jpeg|png). */
  readonly standardVariantsPerUpload: number;
  /** Variants an original has when it is taken down or replaced: the standard ones plus those rendered on demand. */
  readonly variantsPerOriginal: number;
  /** The viewer function's KeyValueStore reads per request: the tenant config (`t:`) and the original's freshness slot (`s:`). */
  readonly kvsReadsPerRequest: number;
  /** The invalidation-flush schedule (FLUSH_SCHEDULE in infra/aws/stacks/pipeline.ts). */
  readonly flushMinutes: number;
  /** How long one invalidation stays in flight (third-party: typically 60–300 s; the upper end). */
  readonly invalidationMinutes: number;
  /** Web ACL rules billed: 3 managed groups + the rate rule + one hotlink rule per tenant listing referers. */
  readonly wafRules: number;
  /** Share of edge misses reaching the shield from a regional edge cache in another Region (only those are billed; 1 = upper bound). */
  readonly shieldIncrementalShare: number;
  /** The busiest tenant's share of traffic: variants and originals are keyed under `{tenant}/`, one S3 prefix. */
  readonly largestTenantShare: number;
  readonly meanOriginalBytes: number;
  /** Originals buckets (us-east-1 plus two replicas). */
  readonly originalsRegions: number;
  /** Storage is priced for a library of this many days of uploads. */
  readonly libraryDays: number;
  /** DynamoDB writes per task invocation: Powertools idempotency (in progress, completed) plus the task's own. */
  readonly dynamoWritesPerTask: number;
  /**
   * DynamoDB read request units per current-upload check (CURRENT_UPLOAD_CHECK_TASKS): one strongly
   * consistent GetItem (≤ 4 KB) of the originals table, by each render task before its PUT and by
   * each advance-generation before its write.
   */
  readonly dynamoReadsPerCurrentCheck: number;
  /** Tenants of the deployment: their configs and signing keys share the KeyValueStore with the freshness slots. */
  readonly tenants: number;

  // Cells: modelled, not deployed yet (one distribution today).
  /**
   * Distributions the tenants are sharded over, each with its own KeyValueStore and viewer
   * function, its Origin Shield (and origin-request function) in one of ORIGINALS_REGIONS,
   * round-robin. Sharding is assumed even: the busiest cell carries 1 / cells of the traffic.
   */
  readonly cells: number;
}

const DEFAULT_IMAGES_PER_DAY = 1e9;
const UPLOADS_PER_IMAGE = 1 / 1_000;
const TAKEDOWNS_PER_UPLOAD = 1 / 1_000;
/** The formats standardVariants plans per width (core/contract/standard-variants.ts). */
const STANDARD_FORMATS = 3;

const FIXED_DEFAULTS = {
  reuploadShare: 0.01,
  peakToMean: 3,
  daysPerMonth: 30,
  edgeMemoryMb: 3008,
  renderTaskMemoryMb: 3008,
  validateMemoryMb: 2048,
  smallTaskMemoryMb: 256,
  standardVariantsPerUpload: STANDARD_WIDTHS.length * STANDARD_FORMATS,
  variantsPerOriginal: 16,
  kvsReadsPerRequest: 2,
  flushMinutes: 1,
  invalidationMinutes: 5,
  wafRules: 5,
  shieldIncrementalShare: 1,
  largestTenantShare: 0.5,
  meanOriginalBytes: 2_000_000,
  originalsRegions: 3,
  libraryDays: 365,
  dynamoWritesPerTask: 3,
  dynamoReadsPerCurrentCheck: 1,
  tenants: 1_000,
  cells: 1,
} as const satisfies Partial<Assumptions>;

/** The defaults with `overrides` on top; uploads and takedowns follow imagesPerDay unless given. */
export function assumptions(overrides: Partial<Assumptions> = {}): Assumptions {
  const imagesPerDay = overrides.imagesPerDay ?? DEFAULT_IMAGES_PER_DAY;
  const uploadsPerDay = overrides.uploadsPerDay ?? imagesPerDay * UPLOADS_PER_IMAGE;
  const resolved: Assumptions = {
    ...FIXED_DEFAULTS,
    ...measuredValues(),
    imagesPerDay,
    uploadsPerDay,
    takedownsPerDay: uploadsPerDay * TAKEDOWNS_PER_UPLOAD,
    ...overrides,
  };
  const problem = assumptionProblem(resolved);
  if (problem) throw new RangeError(problem);
  return resolved;
}

/** Traffic `multiple` times as high: images, uploads and takedowns together. */
export function scaleTraffic(a: Assumptions, multiple: number): Assumptions {
  return {
    ...a,
    imagesPerDay: a.imagesPerDay * multiple,
    uploadsPerDay: a.uploadsPerDay * multiple,
    takedownsPerDay: a.takedownsPerDay * multiple,
  };
}

export const RATIO_FIELDS = [
  'reuploadShare',
  'edgeHitRatio',
  'shieldHitRatio',
  'rendersPerShieldMiss',
  'shieldIncrementalShare',
  'largestTenantShare',
] as const satisfies ReadonlyArray<keyof Assumptions>;

/** Why `a` cannot be priced, or undefined. */
export function assumptionProblem(a: Assumptions): string | undefined {
  for (const [name, value] of Object.entries(a)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return `${name} must be a finite number ≥ 0, got ${String(value)}`;
  }
  for (const name of RATIO_FIELDS) {
    if (a[name] > 1) return `${name} must be between 0 and 1, got ${a[name]}`;
  }
  if (a.peakToMean < 1) return `peakToMean must be ≥ 1, got ${a.peakToMean}`;
  for (const name of ['daysPerMonth', 'flushMinutes'] as const) {
    if (a[name] <= 0) return `${name} must be > 0, got ${a[name]}`;
  }
  if (!Number.isInteger(a.cells) || a.cells < 1) return `cells must be a whole number ≥ 1, got ${a.cells}`;
  return undefined;
}
