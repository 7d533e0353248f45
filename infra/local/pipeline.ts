/**
 * The local pipeline: the four workflows of asl/*.asl.json run by the ASL
 * interpreter, every Task state bound to the real task handler
 * (`createXxxTask(deps)(runtime)`) over stand-ins for the AWS services only:
 * dynalite tables, the S3 emulator, the KeyValueStore Map the viewer function
 * reads, the local CloudFront invalidation API, and the Go planner's own binary
 * behind a Lambda Runtime API host (docs/pipeline.md, "Local run").
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { MAX_TAKEDOWN_REASON_LENGTH, createPutDenyEntryTask } from '../../tasks/put-deny-entry/task.ts';
import { type OriginalsRegion, parseOriginalKey, regionsNearestFirst, type TenantConfig, tenantConfigKey } from '../../core/index.ts';
import type { Renderer } from '../../core/transform/index.ts';
import { createOriginalsReader, type ObjectStore } from '../../core/storage/index.ts';
import type { S3Client } from '@aws-sdk/client-s3';
import { createClaimInvalidationBatchTask } from '../../tasks/claim-invalidation-batch/task.ts';
import { createDeleteOriginalsTask } from '../../tasks/delete-originals/task.ts';
import { createDeleteVariantsTask } from '../../tasks/delete-variants/task.ts';
import { createEnqueueInvalidationTask } from '../../tasks/enqueue-invalidation/task.ts';
import { createMarkInvalidationSubmittedTask } from '../../tasks/mark-invalidation-submitted/task.ts';
import { createPlanVariantsTask } from '../../tasks/plan-variants/task.ts';
import { createQuarantineOriginalTask } from '../../tasks/quarantine-original/task.ts';
import { createReadInvalidationQueueTask } from '../../tasks/read-invalidation-queue/task.ts';
import { createRecordOriginalTask } from '../../tasks/record-original/task.ts';
import { createRenderVariantTask } from '../../tasks/render-variant/task.ts';
import { mapDenyList } from '../../tasks/shared/deny-list.ts';
import { InvalidationQueue, invalidationQueueTable } from '../../tasks/shared/invalidation-queue.ts';
import { TABLE_KEYS } from '../../tasks/shared/tables.ts';
import { METRICS_NAMESPACE, type TaskRuntime } from '../../tasks/shared/task.ts';
import { createValidateOriginalTask } from '../../tasks/validate-original/task.ts';
import { createWriteAuditTask } from '../../tasks/write-audit/task.ts';
import { taskBinding } from '../../workflows/common.ts';
import { aslFile, WORKFLOWS, type Workflow } from '../../workflows/index.ts';
import type { Context } from 'aws-lambda';
import { stateMachineArn, type TaskHandler } from './asl-interpreter.ts';
import { startLocalDynamo, type LocalDynamo } from './dynamodb-emulator.ts';
import { createLocalExecutions, StepFunctionsError, type Execution, type LocalExecutions } from './executions.ts';
import { createLocalInvalidations, type InvalidationStats, type LocalInvalidations } from './invalidations.ts';
import { buildGoTask, GO_MISSING, goAvailable } from '../../tasks/plan-invalidations/go-toolchain.ts';
import { startGoLambda, type GoLambda } from './lambda-runtime-host.ts';
import { LOCAL_ACCOUNT, PRIMARY_REGION } from './local-aws.ts';
import { objectCreatedEvent, type ObjectCreatedEvent } from './s3-events.ts';
import type { S3Endpoint } from './s3-emulator.ts';

export const LOCAL_DISTRIBUTION_ID = 'ELOCALIMGEDGE';
export const QUARANTINE_BUCKET = 'imgedge-quarantine';
const TABLES = { idempotency: 'imgedge-idempotency', originals: 'imgedge-originals', queue: 'imgedge-invalidation-queue', audit: 'imgedge-audit' };
const PLANNER_SOURCE = fileURLToPath(new URL('../../tasks/plan-invalidations', import.meta.url));
const PLANNER_BUILD = fileURLToPath(new URL('../../dist/tasks/plan-invalidations', import.meta.url));

/** The task functions' Lambda timeout. */
const TASK_TIMEOUT_MS = 60_000;

type LambdaHandler = (event: unknown, context: Partial<Context>) => Promise<unknown>;

/** EventBridge's schedule for invalidation-flush in the CDK app (rate(1 minute)). */
export const DEFAULT_FLUSH_EVERY_MS = 60_000;
/** CloudFront usually completes an invalidation in under a minute or two. */
export const DEFAULT_INVALIDATION_COMPLETES_AFTER_MS = 60_000;

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

export interface LocalPipelineOptions {
  /** The primary region's S3 endpoint: its Object Created events start upload, its quarantine bucket holds rejects. */
  readonly uploads: S3Endpoint;
  readonly uploadsBucket: string;
  readonly s3: S3Client;
  readonly originals: Readonly<Record<OriginalsRegion, ObjectStore>>;
  readonly variants: ObjectStore;
  /** The KeyValueStore the viewer function reads: deny-list and tenant configs. */
  readonly kvs: Map<string, string>;
  /** Drops paths from the local edge cache. */
  readonly invalidateEdge: (paths: readonly string[]) => void;
  readonly render: Renderer;
  /** Start upload on every Object Created event of the uploads bucket (default), as the EventBridge rule does. */
  readonly startUploadOnObjectCreated?: boolean;
  /** 0 turns the schedule off (flush by hand only). */
  readonly flushEveryMs?: number;
  readonly invalidationCompletesAfterMs?: number;
  /** Shortens every Retry wait (tests). */
  readonly retryIntervalMs?: number;
  readonly log?: (entry: Record<string, unknown>) => void;
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
  const dynamo = await startLocalDynamo();
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
  });
  const queue = new InvalidationQueue(documents, TABLES.queue);
  const metrics = new Map<string, number>();
  const runtime = taskRuntime(dynamo, metrics);
  let renders = 0;
  const originalsTable = { client: documents, name: TABLES.originals };

  const lambdas: Record<string, LambdaHandler> = {
    'validate-original': createValidateOriginalTask({ uploads: options.originals[PRIMARY_REGION] })(runtime('validate-original')),
    'quarantine-original': createQuarantineOriginalTask({
      s3: options.s3,
      uploadsBucket: options.uploadsBucket,
      quarantineBucket: QUARANTINE_BUCKET,
      originals: originalsTable,
    })(runtime('quarantine-original')),
    'record-original': createRecordOriginalTask({ originals: originalsTable })(runtime('record-original')),
    'plan-variants': createPlanVariantsTask({ tenantLadder: async (tenant) => kvsTenantConfig(options.kvs, tenant)?.ladder })(runtime('plan-variants')),
    'render-variant': createRenderVariantTask({
      originals: createOriginalsReader({
        originals: regionsNearestFirst(PRIMARY_REGION).map((region) => ({ region, store: options.originals[region] })),
        log: (entry) => options.log?.({ service: 'render-variant', ...entry }),
      }),
      variants: options.variants,
      render: (source, params) => {
        renders++;
        return options.render(source, params);
      },
    })(runtime('render-variant')),
    'put-deny-entry': createPutDenyEntryTask({ denyList: mapDenyList(options.kvs) })(runtime('put-deny-entry')),
    'delete-originals': createDeleteOriginalsTask({ originals: options.originals, dynamo: documents, originalsTable: TABLES.originals })(runtime('delete-originals')),
    'delete-variants': createDeleteVariantsTask({ variants: options.variants })(runtime('delete-variants')),
    'enqueue-invalidation': createEnqueueInvalidationTask({ queue })(runtime('enqueue-invalidation')),
    'write-audit': createWriteAuditTask({ dynamo: documents, auditTable: TABLES.audit })(runtime('write-audit')),
    'read-invalidation-queue': createReadInvalidationQueueTask({ queue, invalidations: { describe: async (id) => describeInvalidation(invalidations, id) } })(runtime('read-invalidation-queue')),
    'plan-invalidations': planner ? (event) => planner.invoke(event) : goMissing,
    'claim-invalidation-batch': createClaimInvalidationBatchTask({ queue })(runtime('claim-invalidation-batch')),
    'mark-invalidation-submitted': createMarkInvalidationSubmittedTask({ queue })(runtime('mark-invalidation-submitted')),
  };
  const faults = createFaults();
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
    stateMachines: Object.fromEntries(WORKFLOWS.map((w) => [w.name, { definition: checkedInDefinition(w), handlers: faults.wrap(bindTasks(w, lambdas, integrations)) }])),
    retryIntervalMs: options.retryIntervalMs,
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
        renders,
        metrics: Object.fromEntries(metrics),
        invalidations: invalidations.stats(),
        planner: planner !== undefined,
        ...(notice && { notice }),
      };
    },
    async stop() {
      clearInterval(schedule);
      await executions.settled();
      await planner?.close();
      await dynamo.close();
    },
  };
}

/** asl/<name>.asl.json, the file CDK deploys, with its placeholders filled as definitionSubstitutions would. */
function checkedInDefinition(workflow: Workflow): object {
  const text = readFileSync(new URL(`../../${aslFile(workflow)}`, import.meta.url), 'utf8');
  const values: Record<string, string> = { DistributionId: LOCAL_DISTRIBUTION_ID, RenderStateMachineArn: stateMachineArn('render') };
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
): Record<string, TaskHandler> {
  return Object.fromEntries(
    Object.entries(workflow.tasks).map(([state, binding]) => {
      const handler =
        'lambda' in binding ? withLambdaContext(binding.lambda, lambdas[binding.lambda]) : integrations[binding.integration];
      if (!handler) throw new Error(`${workflow.name}.${state}: nothing local is bound to ${JSON.stringify(binding)}`);
      return [state, handler];
    }),
  );
}

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

/** Invokes the task's handler with what Lambda passes it; Powertools idempotency reads the remaining time from it. */
function withLambdaContext(task: string, handler: LambdaHandler | undefined): TaskHandler | undefined {
  if (!handler) return undefined;
  return (input) => {
    const deadline = Date.now() + TASK_TIMEOUT_MS;
    return handler(input, {
      functionName: localFunctionName(task),
      awsRequestId: crypto.randomUUID(),
      invokedFunctionArn: localFunctionArn(task),
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    });
  };
}

/** One idempotency table for every task, one persistence layer each (it carries the task's key prefix). */
function taskRuntime(dynamo: LocalDynamo, sums: Map<string, number>) {
  return (task: string): TaskRuntime => ({
    persistence: new DynamoDBPersistenceLayer({ tableName: TABLES.idempotency, awsSdkV3Client: dynamo.client }),
    logger: new Logger({ serviceName: task }),
    metrics: new SummedMetrics({ namespace: METRICS_NAMESPACE, serviceName: task }, sums),
  });
}

/** Powertools Metrics that also sums every metric by name, for `/_local/stats`. */
class SummedMetrics extends Metrics {
  constructor(
    options: ConstructorParameters<typeof Metrics>[0],
    private readonly sums: Map<string, number>,
  ) {
    super(options);
  }

  override addMetric(...args: Parameters<Metrics['addMetric']>): this {
    const [name, , value] = args;
    this.sums.set(name, (this.sums.get(name) ?? 0) + value);
    return super.addMetric(...args);
  }
}

/** The local GetInvalidation, read as CloudFrontInvalidationStatus reads CloudFront's. */
function describeInvalidation(invalidations: LocalInvalidations, id: string) {
  const { Status, InvalidationBatch } = invalidations.get(id);
  return { status: Status, paths: InvalidationBatch.Paths.Items };
}

function kvsTenantConfig(kvs: Map<string, string>, tenant: string): TenantConfig | undefined {
  const value = kvs.get(tenantConfigKey(tenant));
  return value === undefined ? undefined : (JSON.parse(value) as TenantConfig);
}

/** The Go planner's real binary, built once (`go build`, cached by source time); undefined without Go. */
async function startPlanner(log: LocalPipelineOptions['log']): Promise<GoLambda | undefined> {
  if (!goAvailable()) return undefined;
  const binary = await buildGoTask(PLANNER_SOURCE, PLANNER_BUILD);
  return startGoLambda(binary, { log: (line) => log?.(parseLogLine(line)) });
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

function parseLogLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { message: line };
  }
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
