/**
 * The local pipeline: the four workflows of asl/*.asl.json run by the ASL
 * interpreter, every Task state bound to the function the CDK app deploys:
 * each Node task's bundle (tasks/build.ts) in its own worker threads with the
 * environment tasks/registry.ts gives it, the Go planner's own binary behind a
 * Lambda Runtime API host. The functions reach the stand-ins (dynalite, the S3
 * emulator, the KeyValueStore Map the viewer function reads, the local
 * CloudFront invalidation API) only through the IAM gate, which allows each
 * exactly its role's access (docs/pipeline.md, "Local run"; docs/local-iam.md).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MAX_TAKEDOWN_REASON_LENGTH } from '../../tasks/put-deny-entry/task.ts';
import { byRegion, type OriginalsRegion, parseOriginalKey, ORIGINALS_REGIONS } from '../../core/index.ts';
import { type AccessTargets, type BucketGroup, policyDocument, type TableName, workflowAccess } from '../../core/deployment/index.ts';
import type { ObjectStore } from '../../core/storage/index.ts';
import { InvalidationQueue, invalidationQueueTable } from '../../tasks/shared/invalidation-queue.ts';
import { TASK_ENV } from '../../tasks/shared/environment.ts';
import { TABLE_KEYS } from '../../tasks/shared/tables.ts';
import { DEFAULT_TASK_MEMORY_MB, DEFAULT_TASK_TIMEOUT_SECONDS, taskAccess, taskDefinition, taskEnvNames, TASK_NAMES, type TaskEnvName, type TaskName } from '../../tasks/registry.ts';
import { allStates } from '../../workflows/asl/builder.ts';
import { stateMachineArnPlaceholder, taskBinding } from '../../workflows/common.ts';
import { aslFile, WORKFLOWS, type Workflow } from '../../workflows/index.ts';
import { stateMachineArn, type TaskHandler } from './asl-interpreter.ts';
import { localBundles, NODE_TASKS } from './bundles.ts';
import { startLocalDynamo } from './dynamodb-emulator.ts';
import { createLocalExecutions, StepFunctionsError, type Execution, type LocalExecutions } from './executions.ts';
import { distributionArn, type Need, tableArn } from './iam-actions.ts';
import { callerEnvironment, type Denial, type IamGate, startIamGate, withholding } from './iam-gate.ts';
import { createLocalInvalidations, type InvalidationChange, invalidationsApi, type InvalidationStats, type LocalInvalidations } from './invalidations.ts';
import type { AppendLog } from './append-log.ts';
import type { ExecutionJournal } from './execution-journal.ts';
import { keyValueStoreApi, LOCAL_KVS_ARN, type VersionedMap } from './key-value-store.ts';
import { buildGoTask, GO_MISSING, goAvailable } from '../../tasks/plan-invalidations/go-toolchain.ts';
import { startGoLambda, type GoLambda } from './lambda-runtime-host.ts';
import { LOCAL_ACCOUNT, PRIMARY_REGION } from './local-aws.ts';
import { logEntry, startNodeLambda, THROTTLED_ERROR, Throttled } from './node-lambda.ts';
import { LOCAL_RENDER_SLOTS, LOCAL_RENDER_WAIT_MS, type RenderCapacity } from './render-capacity.ts';
import { objectCreatedEvent, type ObjectCreatedEvent } from './s3-events.ts';
import type { S3Endpoint } from './s3-emulator.ts';

export const LOCAL_DISTRIBUTION_ID = 'ELOCALIMGEDGE';
export const QUARANTINE_BUCKET = 'imgedge-quarantine';
const TABLES = { idempotency: 'imgedge-idempotency', originals: 'imgedge-originals', queue: 'imgedge-invalidation-queue', audit: 'imgedge-audit' };
const PLANNER_SOURCE = fileURLToPath(new URL('../../tasks/plan-invalidations', import.meta.url));
const PLANNER_BUILD = fileURLToPath(new URL('../../dist/tasks/plan-invalidations', import.meta.url));

type LambdaHandler = (event: unknown) => Promise<unknown>;

/** EventBridge's schedule for invalidation-flush in the CDK app (rate(1 minute)). */
export const DEFAULT_FLUSH_EVERY_MS = 60_000;
/** CloudFront usually completes an invalidation in under a minute or two. */
export const DEFAULT_INVALIDATION_COMPLETES_AFTER_MS = 60_000;

/** The most Task states of `workflow` that run at once: its Maps' largest MaxConcurrency (0: unbounded), else one. */
export function tasksAtOnce(workflow: Workflow): number {
  const maps = allStates(workflow.definition).flatMap(([, state]) => (state.Type === 'Map' ? [state.MaxConcurrency ?? 0] : []));
  if (maps.includes(0)) return Number.POSITIVE_INFINITY;
  return Math.max(1, ...maps);
}

const RENDER_VARIANTS_AT_ONCE = tasksAtOnce(WORKFLOWS.find((w) => w.name === 'render')!);

/**
 * Rendering invocations (render-variant, validate-original) the bulk workflows may have in flight
 * at once with `slots` render slots (render-capacity.ts): two per slot, so one that waits for a
 * slot has at most one render ahead of it per slot, well inside LOCAL_RENDER_WAIT_MS, and is not
 * throttled.
 */
export const renderingInFlight = (slots: number): number => 2 * slots;

/**
 * The bounded state machines' executions doing work at once with `slots` render slots
 * (docs/aws-limits.md §M); the others (takedowns, flushes, expiries) run as they start. Renders:
 * each renders its Map's MaxConcurrency variants at a time, so as many as fit renderingInFlight
 * with room left for an upload's validation (at 3 slots, 6 − 1 = 5, at 4 each: 1). Uploads: each
 * validates with one rendering invocation, in what the renders leave (at 3 slots, 2). At least one
 * of each, however few the slots. Past its bound an execution is RUNNING with no events and waits
 * for one to end (executions.ts, `concurrency`). Unbounded, 200 originals uploaded 8 at a time
 * asked for 800 render-variant invocations at once: at 21bb019 each waited for a worker past the
 * 60 s the interpreter gives a Task with no TimeoutSeconds (counted from the call; Step Functions'
 * default is 99999999 s, counted from LambdaFunctionStarted), failed States.Timeout on every retry,
 * and 192 of 200 renders FAILED while the invocations they had given up on rendered every variant;
 * with the render slots (d4bade1) they were throttled past every retry instead: 146 of 146 renders
 * and 54 of 200 uploads FAILED.
 */
export function executionConcurrency(slots: number): Readonly<{ upload: number; render: number }> {
  const inFlight = renderingInFlight(slots);
  const render = Math.max(1, Math.floor((inFlight - 1) / RENDER_VARIANTS_AT_ONCE));
  return { upload: Math.max(1, inFlight - render * RENDER_VARIANTS_AT_ONCE), render };
}

/** renderingInFlight of the default LOCAL_RENDER_SLOTS (6). */
export const RENDERING_IN_FLIGHT = renderingInFlight(LOCAL_RENDER_SLOTS);
/** executionConcurrency of the default LOCAL_RENDER_SLOTS; a stack with other `renderSlots` runs with its own. */
export const EXECUTION_CONCURRENCY = executionConcurrency(LOCAL_RENDER_SLOTS);
/** Render executions doing work at once with the default LOCAL_RENDER_SLOTS (1). */
export const MAX_RUNNING_RENDERS = EXECUTION_CONCURRENCY.render;
/** Upload executions doing work at once with the default LOCAL_RENDER_SLOTS (2). */
export const MAX_RUNNING_UPLOADS = EXECUTION_CONCURRENCY.upload;

export interface TakedownRequest {
  readonly tenant: string;
  /** The original's key, `{tenant}/{path}`. */
  readonly key: string;
  readonly reason: string;
  readonly requestedBy?: string;
}

/** A takedown request that cannot start; the message says why. */
export class TakedownRefused extends Error {
  override readonly name = 'TakedownRefused';
}

/** Why a takedown request cannot start, or undefined when it can. */
function takedownProblem(request: Partial<TakedownRequest> | null): string | undefined {
  if (typeof request?.tenant !== 'string' || typeof request.key !== 'string' || typeof request.reason !== 'string') {
    return 'a takedown needs {"tenant", "key", "reason"} as strings';
  }
  if (parseOriginalKey(request.key)?.tenant !== request.tenant) return `${request.key} is not an original key of tenant ${request.tenant}`;
  if (request.reason.trim() === '' || request.reason.length > MAX_TAKEDOWN_REASON_LENGTH) return `reason must be 1 to ${MAX_TAKEDOWN_REASON_LENGTH} characters`;
  if (request.requestedBy !== undefined && typeof request.requestedBy !== 'string') return 'requestedBy must be a string';
  return undefined;
}

/** One action taken out of one function's role, as a forgotten grant would (tests: the call must fail with AccessDenied). */
export interface Withhold {
  readonly task: TaskName | typeof ORIGIN_REQUEST;
  readonly action: string;
}

/** The origin-request function, in a Withhold. */
export const ORIGIN_REQUEST = 'origin-request';

export interface LocalPipelineOptions {
  /** The primary region's S3 endpoint: its Object Created events start upload, its quarantine bucket holds rejects. */
  readonly uploads: S3Endpoint;
  readonly uploadsBucket: string;
  /** Every S3 endpoint: the functions' calls go to the one holding the bucket. */
  readonly s3Endpoints: readonly S3Endpoint[];
  readonly originals: Readonly<Record<OriginalsRegion, ObjectStore>>;
  readonly variants: ObjectStore;
  /** The KeyValueStore the viewer function reads: deny-list and tenant configs. */
  readonly kvs: VersionedMap;
  /** Drops paths from the local edge cache. */
  readonly invalidateEdge: (paths: readonly string[]) => void;
  /** Start upload on every Object Created event of the uploads bucket (default), as the EventBridge rule does. */
  readonly startUploadOnObjectCreated?: boolean;
  /** 0 turns the schedule off (flush by hand only). */
  readonly flushEveryMs?: number;
  readonly invalidationCompletesAfterMs?: number;
  /** Shortens every Retry wait (tests). */
  readonly retryIntervalMs?: number;
  /** Shortens every Wait state to this many milliseconds (tests: an expiry's window); by default they wait their Seconds. */
  readonly waitMs?: number;
  /** Takes one action out of one task's role, as a forgotten grant would (tests: the call must fail with AccessDenied). */
  readonly withhold?: Withhold;
  readonly log?: (entry: Record<string, unknown>) => void;
  /**
   * Shared with the origin-request function: the tasks that render take a slot of it
   * (render-capacity.ts), and its slots set the executions' bounds (executionConcurrency;
   * LOCAL_RENDER_SLOTS' without it).
   */
  readonly renderCapacity?: RenderCapacity;
  /** Where the tables, the executions and the invalidations are kept across restarts; in memory without. */
  readonly state?: { readonly dynamodb: string; readonly executions: ExecutionJournal<Execution>; readonly invalidations: AppendLog<InvalidationChange> };
}

export interface PipelineStats {
  readonly executions: Readonly<Record<string, Readonly<Record<Execution['status'], number>>>>;
  /** Images render-variant rendered (the edge's renders are the stack's `renders`): a replay must not add any. */
  readonly renders: number;
  /** Every metric the tasks emitted, summed by name. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly invalidations: InvalidationStats;
  /** Whether the Go planner runs (false: `go` is missing, the schedule is off and an explicit flush fails saying so). */
  readonly planner: boolean;
  /** What a person should know about the pipeline: FLUSH_NEEDS_GO without Go. */
  readonly notice?: string;
  /** Calls the IAM gate refused (a role lacking a grant its code needs). */
  readonly denials: number;
}

/**
 * Failures Step Functions meets on AWS, injected per Task state (across all
 * workflows), so replays can be shown rather than assumed.
 */
export interface PipelineFaults {
  /** The state's invocations do their work, then the response is lost: Sandbox.Timedout, as when a Lambda times out after writing. */
  loseResponses(state: string): void;
  /** The state's invocations wait until the returned function is called (to look at the system between two steps). */
  hold(state: string): () => void;
  /** Back to normal for `state`, or for every state. */
  clear(state?: string): void;
}

export interface LocalPipeline {
  readonly executions: LocalExecutions;
  readonly faults: PipelineFaults;
  readonly invalidations: LocalInvalidations;
  readonly queue: InvalidationQueue;
  readonly documents: DynamoDBDocumentClient;
  readonly tables: typeof TABLES;
  /** The pipeline's own ports, by stand-in (the S3 regions' are the emulator's): none is for browsers (loopback-guard.ts). */
  readonly listeners: Readonly<Record<string, string>>;
  /** State machine → its executions doing work at once: executionConcurrency of the render slots it shares. */
  readonly concurrency: Readonly<Record<string, number>>;
  /** Every call a function made that its role does not allow, oldest first. */
  denials(): readonly Denial[];
  /** Delivers an S3 Object Created event as the EventBridge rule does: a new upload execution each time. */
  deliver(event: ObjectCreatedEvent): Execution;
  /** Throws TakedownRefused for a request that names no original of the tenant, or no reason. */
  takedown(request: Partial<TakedownRequest> | null): Execution;
  flush(): Execution;
  settled(): Promise<void>;
  stats(): PipelineStats;
  stop(): Promise<void>;
}

export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const dynamo = await startLocalDynamo({ path: options.state?.dynamodb });
  await Promise.all([
    dynamo.createTable(TABLES.idempotency, TABLE_KEYS.idempotency.partitionKey),
    dynamo.createTable(TABLES.originals, TABLE_KEYS.originals.partitionKey),
    dynamo.createTableFrom(invalidationQueueTable(TABLES.queue)),
    dynamo.createTable(TABLES.audit, TABLE_KEYS.audit.partitionKey),
  ]);
  const documents = DynamoDBDocumentClient.from(dynamo.client);
  const planner = await startPlanner(options.log);
  const notice = planner ? undefined : FLUSH_NEEDS_GO;
  const invalidations = createLocalInvalidations({
    distributionId: LOCAL_DISTRIBUTION_ID,
    apply: options.invalidateEdge,
    completeAfterMs: () => options.invalidationCompletesAfterMs ?? DEFAULT_INVALIDATION_COMPLETES_AFTER_MS,
    log: options.state?.invalidations,
  });
  const queue = new InvalidationQueue(documents, TABLES.queue);
  const metrics = new Map<string, number>();
  const targets = localTargets(options);
  const gate = await startIamGate({
    roles: new Map([
      ...TASK_NAMES.map((task) => [localFunctionName(task), withholding(policyDocument(taskAccess(task), targets), options.withhold?.task === task ? options.withhold.action : undefined)] as const),
      ...WORKFLOWS.map((w) => [machineRole(w.name), policyDocument(workflowAccess(Object.values(w.tasks), w.starts), targets)] as const),
    ]),
    s3: (bucket) => options.s3Endpoints.find((endpoint) => endpoint.buckets.includes(bucket))?.url,
    dynamodb: dynamo.endpoint,
    keyValueStore: keyValueStoreApi(options.kvs),
    cloudfront: invalidationsApi(invalidations),
  });
  const bundles = await localBundles();
  const nodeTasks = NODE_TASKS.map((task) =>
    startNodeLambda({
      worker: bundles.worker,
      bundle: bundles.tasks[task],
      functionName: localFunctionName(task),
      functionArn: localFunctionArn(task),
      environment: { ...taskEnvironment(task, options), ...callerEnvironment(gate, localFunctionName(task), PRIMARY_REGION) },
      timeoutMs: (taskDefinition(task).timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS) * 1000,
      memoryMb: taskDefinition(task).memoryMb ?? DEFAULT_TASK_MEMORY_MB,
      ...(taskDefinition(task).renders && options.renderCapacity && { capacity: { slots: options.renderCapacity, waitMs: LOCAL_RENDER_WAIT_MS } }),
      log: (entry) => {
        if (!sumMetrics(entry, metrics)) options.log?.(entry);
      },
    }),
  );
  const lambdas: Record<string, LambdaHandler> = {
    ...Object.fromEntries(NODE_TASKS.map((task, i) => [task, (event: unknown) => nodeTasks[i]!.invoke(event).catch(asStepFunctionsSees)])),
    'plan-invalidations': planner ? (event) => planner.invoke(event) : goMissing,
  };
  const faults = createFaults();
  const concurrency = executionConcurrency(options.renderCapacity?.slots ?? LOCAL_RENDER_SLOTS);
  let executions: LocalExecutions;
  const integrations: Record<string, TaskHandler> = {
    'states:startExecution': async (input) => {
      const { StateMachineArn, Name, Input } = input as { StateMachineArn: string; Name?: string; Input: unknown };
      const stateMachine = WORKFLOWS.find((w) => stateMachineArn(w.name) === StateMachineArn)?.name;
      if (!stateMachine) throw new StepFunctionsError('StateMachineDoesNotExist', `no state machine ${StateMachineArn}`);
      const started = executions.start(stateMachine, Input, Name);
      return { ExecutionArn: started.id, StartDate: started.startedAt };
    },
    'aws-sdk:cloudfront:createInvalidation': async (input) => {
      const { DistributionId, InvalidationBatch } = input as { DistributionId: string; InvalidationBatch: Parameters<LocalInvalidations['create']>[1] };
      return invalidations.create(DistributionId, InvalidationBatch);
    },
  };
  executions = createLocalExecutions({
    stateMachines: Object.fromEntries(WORKFLOWS.map((w) => [w.name, { definition: checkedInDefinition(w), handlers: faults.wrap(bindTasks(w, lambdas, integrations, gate)) }])),
    retryIntervalMs: options.retryIntervalMs,
    waitMs: options.waitMs,
    concurrency,
    journal: options.state?.executions,
    onSettled: (execution) =>
      options.log?.({ message: 'execution settled', stateMachine: execution.stateMachine, name: execution.name, status: execution.status, durationMs: execution.durationMs, error: execution.error, cause: execution.cause }),
  });

  const deliver = (event: ObjectCreatedEvent) => executions.start('upload', event);
  if (options.startUploadOnObjectCreated ?? true) {
    options.uploads.onObjectEvent((event) => {
      if (event.bucket !== options.uploadsBucket || !event.name.startsWith('ObjectCreated')) return;
      deliver(objectCreatedEvent({ region: PRIMARY_REGION, bucket: event.bucket, key: event.key, etag: event.etag ?? '', size: event.size ?? 0 }));
    });
  }
  const flush = () => executions.start('invalidation-flush', scheduledEvent());
  const flushEveryMs = options.flushEveryMs ?? DEFAULT_FLUSH_EVERY_MS;
  // Without the planner every scheduled flush would fail: the schedule stays off, and the stack says why once (notice).
  const schedule = planner && flushEveryMs > 0 ? setInterval(flush, flushEveryMs).unref() : undefined;

  return {
    executions,
    faults,
    invalidations,
    queue,
    documents,
    tables: TABLES,
    listeners: { iamGate: gate.url, dynamodb: dynamo.endpoint, ...(planner && { runtimeApi: planner.url }) },
    concurrency,
    denials: () => gate.denials(),
    deliver,
    takedown(request) {
      const problem = takedownProblem(request);
      if (problem) throw new TakedownRefused(problem);
      return executions.start('takedown', request, `takedown-${crypto.randomUUID()}`);
    },
    flush,
    settled: () => executions.settled(),
    stats() {
      const byMachine: Record<string, Record<Execution['status'], number>> = {};
      for (const w of WORKFLOWS) byMachine[w.name] = { RUNNING: 0, SUCCEEDED: 0, FAILED: 0 };
      for (const e of executions.list()) byMachine[e.stateMachine]![e.status]++;
      return {
        executions: byMachine,
        renders: metrics.get('VariantsRendered') ?? 0,
        metrics: Object.fromEntries(metrics),
        invalidations: invalidations.stats(),
        planner: planner !== undefined,
        denials: gate.denials().length,
        ...(notice && { notice }),
      };
    },
    async stop() {
      clearInterval(schedule);
      // What is working finishes; what only waits (an expiry's window, a slot) is cut short, and runs again on the next start.
      await executions.drain();
      await executions.stop();
      await planner?.close();
      await Promise.all(nodeTasks.map((fn) => fn.close()));
      await gate.close();
      await dynamo.close();
    },
  };
}

/** asl/<name>.asl.json, the file CDK deploys, with its placeholders filled as definitionSubstitutions would. */
function checkedInDefinition(workflow: Workflow): object {
  const text = readFileSync(new URL(`../../${aslFile(workflow)}`, import.meta.url), 'utf8');
  const values: Record<string, string> = {
    DistributionId: LOCAL_DISTRIBUTION_ID,
    ...Object.fromEntries(WORKFLOWS.map((w) => [stateMachineArnPlaceholder(w.name), stateMachineArn(w.name)])),
  };
  return JSON.parse(
    text.replace(/\$\{(\w+)\}/g, (placeholder, name: string) => {
      if (values[name] !== undefined) return values[name];
      const binding = name.endsWith('FunctionArn') ? taskBinding(placeholder) : undefined;
      return binding && 'lambda' in binding ? localFunctionArn(binding.lambda) : placeholder;
    }),
  ) as object;
}

/** Each Task state's handler: the task's Lambda handler, invoked with a Lambda context, or the service integration. */
function bindTasks(
  workflow: Workflow,
  lambdas: Record<string, LambdaHandler>,
  integrations: Record<string, TaskHandler>,
  gate: IamGate,
): Record<string, TaskHandler> {
  const role = machineRole(workflow.name);
  return Object.fromEntries(
    Object.entries(workflow.tasks).map(([state, binding]) => {
      const handler = 'lambda' in binding ? lambdas[binding.lambda] : integrations[binding.integration];
      if (!handler) throw new Error(`${workflow.name}.${state}: nothing local is bound to ${JSON.stringify(binding)}`);
      const call = 'lambda' in binding ? lambdaCall(binding.lambda) : INTEGRATION_CALLS[binding.integration];
      if (!call) throw new Error(`${workflow.name}.${state}: no permission known for ${JSON.stringify(binding)}`);
      const authorized: TaskHandler = async (input) => {
        const need = call.need(input as Record<string, string>);
        if (!(await gate.authorize(role, need))) {
          throw Object.assign(new Error(`${role} is not authorized to perform: ${need.action} on resource: ${need.resource}`), { name: call.denied });
        }
        return handler(input);
      };
      return [state, authorized];
    }),
  );
}

/**
 * A Lambda Invoke error as a Task state sees it: Step Functions names the Lambda
 * service's exceptions `Lambda.<Exception>` (docs/aws-limits.md §E), which the
 * workflows' transient retrier lists (workflows/common.ts); a function's own error keeps its name.
 */
function asStepFunctionsSees(error: unknown): never {
  if (error instanceof Throttled) error.name = `Lambda.${THROTTLED_ERROR}`;
  throw error;
}

/** The state machine's role, as the local gate knows it. */
const machineRole = (workflow: string) => `imgedge-${workflow}-state-machine`;

/**
 * What a Task state's call needs its state machine's role to allow, and the
 * error it fails with when refused (Step Functions names a service's error
 * `Service.Exception`; none of these is in a Retry list).
 */
interface StateMachineCall {
  need(input: Record<string, string>): Need;
  readonly denied: string;
}

const lambdaCall = (task: string): StateMachineCall => ({
  need: () => ({ action: 'lambda:InvokeFunction', resource: localFunctionArn(task) }),
  denied: 'Lambda.AccessDeniedException',
});

const INTEGRATION_CALLS: Readonly<Record<string, StateMachineCall>> = {
  'states:startExecution': { need: (input) => ({ action: 'states:StartExecution', resource: input.StateMachineArn! }), denied: 'StepFunctions.AccessDeniedException' },
  'aws-sdk:cloudfront:createInvalidation': {
    need: (input) => ({ action: 'cloudfront:CreateInvalidation', resource: distributionArn(input.DistributionId!) }),
    denied: 'CloudFront.AccessDeniedException',
  },
};

function createFaults(): PipelineFaults & { wrap(handlers: Record<string, TaskHandler>): Record<string, TaskHandler> } {
  const losing = new Set<string>();
  const held = new Map<string, Promise<void>>();
  const releases = new Map<string, () => void>();
  const release = (state: string) => {
    releases.get(state)?.();
    releases.delete(state);
    held.delete(state);
  };
  return {
    loseResponses: (state) => void losing.add(state),
    hold(state) {
      release(state);
      held.set(state, new Promise((resolve) => releases.set(state, resolve)));
      return () => release(state);
    },
    clear(state) {
      for (const name of state ? [state] : [...losing, ...held.keys()]) {
        losing.delete(name);
        release(name);
      }
    },
    wrap: (handlers) =>
      Object.fromEntries(
        Object.entries(handlers).map(([state, handler]) => [
          state,
          async (input: unknown) => {
            await held.get(state);
            const output = await handler(input);
            if (losing.has(state)) {
              const timeout = new Error(`${state}: Task timed out after its work was done (injected fault)`);
              timeout.name = 'Sandbox.Timedout';
              throw timeout;
            }
            return output;
          },
        ]),
      ),
  };
}

const localFunctionName = (task: string) => `imgedge-${task}`;
const localFunctionArn = (task: string) => `arn:aws:lambda:${PRIMARY_REGION}:${LOCAL_ACCOUNT}:function:${localFunctionName(task)}`;

/** Where the local resources are, for the roles' policies (the CDK app's grants, resolved to local names). */
export function localTargets(options: Pick<LocalPipelineOptions, 'originals' | 'variants'>): AccessTargets {
  const buckets: Record<BucketGroup, readonly string[]> = {
    primaryOriginals: [options.originals[PRIMARY_REGION].bucket],
    everyOriginals: ORIGINALS_REGIONS.map((region) => options.originals[region].bucket),
    variants: [options.variants.bucket],
    quarantine: [QUARANTINE_BUCKET],
  };
  const tables: Record<TableName, string> = { idempotency: TABLES.idempotency, originals: TABLES.originals, invalidationQueue: TABLES.queue, audit: TABLES.audit };
  return {
    buckets: (group) => buckets[group],
    tableArn: (table) => tableArn(tables[table]),
    keyValueStoreArn: LOCAL_KVS_ARN,
    distributionArn: distributionArn(LOCAL_DISTRIBUTION_ID),
    functionArn: localFunctionArn,
    stateMachineArn,
  };
}

/** The TASK_ENV variables the registry gives the task, with the local stack's values. */
function taskEnvironment(task: TaskName, options: LocalPipelineOptions): Record<string, string> {
  const values: Record<TaskEnvName, string> = {
    idempotencyTable: TABLES.idempotency,
    originalsTable: TABLES.originals,
    invalidationQueueTable: TABLES.queue,
    auditTable: TABLES.audit,
    originalsBuckets: JSON.stringify(byRegion((region) => options.originals[region].bucket)),
    variantsBucket: options.variants.bucket,
    quarantineBucket: QUARANTINE_BUCKET,
    keyValueStoreArn: LOCAL_KVS_ARN,
    distributionId: LOCAL_DISTRIBUTION_ID,
  };
  return Object.fromEntries(taskEnvNames(task).map((name) => [TASK_ENV[name], values[name]]));
}

/** An EMF line (Powertools Metrics' output): its metrics added to `sums`; false for any other line. */
function sumMetrics(entry: Record<string, unknown>, sums: Map<string, number>): boolean {
  const emf = entry._aws as { CloudWatchMetrics?: Array<{ Metrics: Array<{ Name: string }> }> } | undefined;
  if (!emf?.CloudWatchMetrics) return false;
  for (const { Name } of emf.CloudWatchMetrics.flatMap((set) => set.Metrics)) {
    const value = entry[Name];
    const total = (Array.isArray(value) ? value : [value]).reduce((sum: number, v) => sum + Number(v), 0);
    sums.set(Name, (sums.get(Name) ?? 0) + total);
  }
  return true;
}

/** The Go planner's real binary, built once (`go build`, cached by source time); undefined without Go. */
async function startPlanner(log: LocalPipelineOptions['log']): Promise<GoLambda | undefined> {
  if (!goAvailable()) return undefined;
  const binary = await buildGoTask(PLANNER_SOURCE, PLANNER_BUILD);
  return startGoLambda(binary, { log: (line) => log?.(logEntry(line)) });
}

/** Said once, by `npm start` and the console, when the planner cannot run. */
export const FLUSH_NEEDS_GO =
  'The invalidation flush needs Go, which is not installed: sudo apt-get install golang-go, then restart npm start. ' +
  'Until then the one-minute flush schedule is off and an explicit flush fails with Runtime.GoMissing; everything else works.';

async function goMissing(): Promise<never> {
  const error = new Error(GO_MISSING);
  error.name = 'Runtime.GoMissing';
  throw error;
}

/** EventBridge's Scheduled Event, as the flush rule delivers it. */
function scheduledEvent() {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT,
    time: new Date().toISOString(),
    region: PRIMARY_REGION,
    resources: [`arn:aws:events:${PRIMARY_REGION}:${LOCAL_ACCOUNT}:rule/imgedge-invalidation-flush`],
    detail: {},
  };
}
