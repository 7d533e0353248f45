/**
 * What a day of traffic makes each service do, following the request path
 * (README "Architecture") and the pipeline (asl/): the counts both the bill
 * (model.ts) and the quotas (quotas.ts) are computed from.
 */
import type { Assumptions } from './assumptions.ts';
import { invalidationLoad, MAX_PATHS_PER_BATCH, MINUTES_PER_DAY, type InvalidationLoad } from './invalidations.ts';
import { BYTES_PER_GB } from './prices.ts';
import { CURRENT_UPLOAD_CHECK_TASKS, pipelinePaths, RENDER_TASK, totalInvocations, VALIDATE_TASK, type PathCount } from './workflow-transitions.ts';

export const SECONDS_PER_DAY = 86_400;

export interface DailyQuantities {
  // The request path.
  readonly requests: number;
  readonly kvsReads: number;
  readonly edgeMisses: number;
  /** Requests Origin Shield bills: edge misses from other Regions' caches, and the failover to the render origin. */
  readonly shieldRequests: number;
  /** Origin-request invocations on the variants origin: the cheap "variant exists?" path. */
  readonly variantLookups: number;
  /** Origin-request invocations on the render origin after failover: fetch the original, render, store. */
  readonly edgeRenders: number;
  readonly edgeInvocations: number;
  /** Lambda@Edge busy seconds (not GB-s): concurrency = busy seconds / seconds of the day. */
  readonly edgeSeconds: number;
  readonly edgeGbSeconds: number;
  readonly dataTransferOutGb: number;

  // The pipeline.
  readonly reuploads: number;
  /** Originals whose freshness entry changes (a new generation or DENIED): re-uploads and takedowns. */
  readonly freshnessChanges: number;
  /** Originals whose variants are invalidated: takedowns only (a re-upload moves its generation instead). */
  readonly invalidationGroups: number;
  /** One cell's invalidations at the mean rate (each cell's distribution has its own quotas). */
  readonly invalidation: InvalidationLoad;
  /** Invalidation paths submitted, every cell together. */
  readonly invalidationPaths: number;
  readonly executions: number;
  readonly transitions: number;
  readonly taskInvocations: number;
  readonly taskSecondsX86: number;
  readonly taskGbSecondsX86: number;
  readonly taskSecondsArm64: number;
  readonly taskGbSecondsArm64: number;
  readonly dynamoWrites: number;
  /** Read request units: the consistent GetItem of the originals table by render-variant (before its PUT) and advance-generation. */
  readonly dynamoReads: number;

  // S3.
  /** GET/HEAD on the variants bucket: CloudFront fetching a variant (found or not), the render task's existence check. */
  readonly variantGets: number;
  /** GET on the originals buckets: edge renders, validation, render tasks. */
  readonly originalGets: number;
  /** PUT: stored variants (edge and task), the upload itself, and its replicas. */
  readonly s3Puts: number;
  readonly variantPuts: number;
  readonly replicationGb: number;
  /** Not per day: the steady-state library (libraryDays of uploads), for GB-month. */
  readonly storedGb: number;
}

const gb = (bytes: number) => bytes / BYTES_PER_GB;
const gbSeconds = (seconds: number, memoryMb: number) => (seconds * memoryMb) / 1024;

export function dailyQuantities(a: Assumptions): DailyQuantities {
  // Request path: every request runs the viewer function; only misses go on.
  const requests = a.imagesPerDay;
  const edgeMisses = requests * (1 - a.edgeHitRatio);
  const variantLookups = edgeMisses * (1 - a.shieldHitRatio);
  const edgeRenders = variantLookups * a.rendersPerShieldMiss;
  const renderMs = a.meanOriginalFetchMs + a.meanRenderMs;
  const edgeSeconds = (variantLookups * a.meanVariantLookupMs + edgeRenders * renderMs) / 1000;

  // Pipeline: executions along the paths counted from asl/*.asl.json.
  const reuploads = a.uploadsPerDay * a.reuploadShare;
  const newUploads = a.uploadsPerDay - reuploads;
  const invalidationGroups = a.takedownsPerDay;
  // Tenants are sharded evenly over the cells: each distribution plans its own share.
  const invalidation = invalidationLoad(invalidationGroups / a.cells, a);
  const invalidationPaths = invalidationGroups * invalidation.billedPathsPerGroup;
  // One flush schedule, as built (cells would each need their own: not deployed yet).
  const flushes = MINUTES_PER_DAY / a.flushMinutes;
  // Fewer groups than flushes: each lands in a flush of its own (the upper bound on busy flushes).
  const busyFlushes = Math.min(flushes, invalidationGroups);
  const pathsPerBusyFlush = busyFlushes > 0 ? invalidationPaths / busyFlushes : 0;
  const paths = pipelinePaths(a.standardVariantsPerUpload, Math.max(1, Math.ceil(pathsPerBusyFlush / MAX_PATHS_PER_BATCH)));
  const runs: ReadonlyArray<readonly [PathCount, number]> = [
    [paths.upload, newUploads],
    [paths.reupload, reuploads],
    [paths.render, a.uploadsPerDay],
    [paths.takedown, a.takedownsPerDay],
    // Every re-upload and takedown starts the expiry of its entry (a superseded one ends sooner: priced as if not).
    [paths.generationExpiry, reuploads],
    [paths.denyExpiry, a.takedownsPerDay],
    [paths.busyFlush, busyFlushes],
    [paths.idleFlush, flushes - busyFlushes],
  ];
  const sum = (f: (count: PathCount) => number) => runs.reduce((total, [count, n]) => total + f(count) * n, 0);
  const invocationsOf = (task: string) => sum((count) => count.invocations[task] ?? 0);

  const taskInvocations = sum(totalInvocations);
  const renderTasks = invocationsOf(RENDER_TASK);
  const validateTasks = invocationsOf(VALIDATE_TASK);
  const currentUploadChecks = CURRENT_UPLOAD_CHECK_TASKS.reduce((total, task) => total + invocationsOf(task), 0);
  const smallTasks = taskInvocations - renderTasks - validateTasks;
  const renderTaskSeconds = (renderTasks * renderMs) / 1000;
  const validateSeconds = (validateTasks * a.meanValidateMs) / 1000;
  const taskSecondsArm64 = (smallTasks * a.meanSmallTaskMs) / 1000;

  // S3: a render task checks the variant (HEAD), reads the original and puts the variant.
  const variantPuts = edgeRenders + renderTasks;
  const replicaPuts = a.uploadsPerDay * (a.originalsRegions - 1);

  return {
    requests,
    kvsReads: requests * a.kvsReadsPerRequest,
    edgeMisses,
    shieldRequests: (edgeMisses + edgeRenders) * a.shieldIncrementalShare,
    variantLookups,
    edgeRenders,
    edgeInvocations: variantLookups + edgeRenders,
    edgeSeconds,
    edgeGbSeconds: gbSeconds(edgeSeconds, a.edgeMemoryMb),
    dataTransferOutGb: gb(requests * a.meanVariantBytes),

    reuploads,
    freshnessChanges: reuploads + a.takedownsPerDay,
    invalidationGroups,
    invalidation,
    invalidationPaths,
    executions: runs.reduce((total, [, n]) => total + n, 0),
    transitions: sum((count) => count.transitions),
    taskInvocations,
    taskSecondsX86: renderTaskSeconds + validateSeconds,
    taskGbSecondsX86: gbSeconds(renderTaskSeconds, a.renderTaskMemoryMb) + gbSeconds(validateSeconds, a.validateMemoryMb),
    taskSecondsArm64,
    taskGbSecondsArm64: gbSeconds(taskSecondsArm64, a.smallTaskMemoryMb),
    dynamoWrites: taskInvocations * a.dynamoWritesPerTask,
    dynamoReads: currentUploadChecks * a.dynamoReadsPerCurrentCheck,

    variantGets: variantLookups + renderTasks,
    originalGets: edgeRenders + validateTasks + renderTasks,
    s3Puts: variantPuts + a.uploadsPerDay + replicaPuts,
    variantPuts,
    replicationGb: gb(a.uploadsPerDay * a.meanOriginalBytes * (a.originalsRegions - 1)),
    storedGb: gb(
      a.uploadsPerDay * a.libraryDays * (a.meanOriginalBytes * a.originalsRegions + a.variantsPerOriginal * a.meanVariantBytes),
    ),
  };
}
