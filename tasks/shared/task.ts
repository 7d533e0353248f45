import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyInconsistentStateError,
  IdempotencyItemNotFoundError,
  IdempotencyPersistenceLayerError,
  IdempotencyUnknownError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { z } from 'zod';
import { dynamoFailure } from './conditional-write.ts';
import { TaskError, TaskInputInvalid } from './errors.ts';

export { MetricUnit };

/** What a task's work function gets besides its input. */
export interface TaskContext {
  logger: Logger;
  metrics: Metrics;
}

/** Where a task's idempotency records live and where its logs and metrics go. */
export interface TaskRuntime {
  /**
   * One layer per task (the table may be shared): Powertools configures the layer
   * with the task's key prefix on every call, so two tasks sharing one would read
   * and write each other's records.
   */
  persistence: BasePersistenceLayer;
  logger?: Logger;
  metrics?: Metrics;
  /** Idempotency records expire after this; pipeline tasks are also idempotent by construction past it. */
  idempotencyTtlSeconds?: number;
}

const persistenceOwners = new WeakMap<BasePersistenceLayer, string>();

function claimPersistence(persistence: BasePersistenceLayer, task: string) {
  const owner = persistenceOwners.get(persistence);
  if (owner !== undefined && owner !== task) {
    throw new Error(`task ${task}: this idempotency persistence layer belongs to task ${owner}; give each task its own (the table can be shared)`);
  }
  persistenceOwners.set(persistence, task);
}

export const PIPELINE_IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
export const METRICS_NAMESPACE = 'imgedge';

/** Every task receives the execution name next to its input (see docs/pipeline.md). */
const executionName = z.object({ executionName: z.string().min(1).max(80) });

export interface TaskSpec<I extends z.ZodType, O> {
  /** The folder name under tasks/: also the idempotency key prefix, so renaming a function keeps its records. */
  name: string;
  input: I;
  /**
   * The idempotency key of one unit of work: a duplicate S3 event, a Step Functions
   * retry and a console redrive of the same work must all map to the same string.
   * Omitted for pure tasks, which are safe to run any number of times.
   */
  idempotencyKey?: (input: z.infer<I>) => string;
  run: (input: z.infer<I> & { executionName: string }, ctx: TaskContext) => Promise<O>;
}

export type TaskHandler<O> = (event: unknown, context?: Partial<Context>) => Promise<O>;

/** The idempotency table's name, for messages: DynamoDBPersistenceLayer keeps it in a field TypeScript calls private. */
function idempotencyTableOf(persistence: BasePersistenceLayer): string {
  const { tableName } = persistence as unknown as { tableName?: unknown };
  return typeof tableName === 'string' ? tableName : 'idempotency';
}

/**
 * A failure of Powertools or of the idempotency table, named for the workflows (docs/aws-limits.md
 * §L, "Idempotency errors"). Saving, completing and deleting a record wrap the table's error in an
 * IdempotencyPersistenceLayerError; reading one (after a conditional put found it, without the
 * record) throws the table's error as it is. Either is named as for every table (dynamoFailure).
 * A record that changed while it was read (gone, or expired) is another invocation of the same
 * work at it: retried as a duplicate in progress is. A record of a different payload under this
 * key fails, naming the task and the key. Anything else stays as Powertools throws it
 * (IdempotencyAlreadyInProgressError is retried by its name).
 */
function named(task: string, table: string, key: string, error: unknown): unknown {
  if (error instanceof IdempotencyPersistenceLayerError) {
    const failure = dynamoFailure(error.cause, table, { during: `${task}: ${error.message}`, cause: error });
    return failure === error.cause ? error : failure;
  }
  if (error instanceof IdempotencyItemNotFoundError || error instanceof IdempotencyInconsistentStateError) {
    return new IdempotencyAlreadyInProgressError(`${task}: the idempotency record of ${key} changed while it was read (${error.message || error.name}): another invocation of this work is at it`, undefined, { cause: error });
  }
  if (error instanceof IdempotencyValidationError) {
    return Object.assign(new TaskError(error.name, `${task}: idempotency key ${key} is recorded for a different payload: the key must cover all the input the work depends on`), { cause: error });
  }
  if (error instanceof IdempotencyUnknownError) return error;
  return dynamoFailure(error, table, { during: `${task}: reading its idempotency record` });
}

/**
 * Wraps a task's work in the Powertools it needs: input validated at the door,
 * the execution name as correlation id, metrics flushed as EMF after every call,
 * and the work recorded in DynamoDB under its idempotency key.
 */
export function defineTask<I extends z.ZodType, O>(spec: TaskSpec<I, O>) {
  const schema = z.intersection(spec.input, executionName);
  return (runtime: TaskRuntime): TaskHandler<O> => {
    claimPersistence(runtime.persistence, spec.name);
    const logger = runtime.logger ?? new Logger({ serviceName: spec.name });
    const metrics = runtime.metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: spec.name });
    const ctx: TaskContext = { logger, metrics };
    const table = idempotencyTableOf(runtime.persistence);
    /** The work's own failures, told apart from Powertools' and its table's, which pass the same catch. */
    const workFailures = new WeakSet<object>();
    const work = async (input: z.infer<I> & { executionName: string }) => {
      try {
        return await spec.run(input, ctx);
      } catch (error) {
        if (typeof error === 'object' && error !== null) workFailures.add(error);
        throw error;
      }
    };
    const config = new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      expiresAfterSeconds: runtime.idempotencyTtlSeconds ?? PIPELINE_IDEMPOTENCY_TTL_SECONDS,
      throwOnNoIdempotencyKey: true,
    });
    const once = makeIdempotent(
      (unit: { key: string; input: z.infer<I> & { executionName: string } }) => work(unit.input),
      { persistenceStore: runtime.persistence, config, keyPrefix: spec.name },
    );

    return async (event, context) => {
      const parsed = schema.safeParse(event);
      if (!parsed.success) throw new TaskInputInvalid(spec.name, z.prettifyError(parsed.error));
      const input = parsed.data as z.infer<I> & { executionName: string };
      logger.setCorrelationId(input.executionName);
      if (context?.getRemainingTimeInMillis) config.registerLambdaContext(context as Context);
      let key: string | undefined;
      try {
        if (!spec.idempotencyKey) return await spec.run(input, ctx);
        key = spec.idempotencyKey(input);
        logger.appendKeys({ idempotencyKey: key });
        return await once({ key, input });
      } catch (error) {
        logger.error('task failed', error as Error);
        if (key === undefined || (typeof error === 'object' && error !== null && workFailures.has(error))) throw error;
        throw named(spec.name, table, key, error);
      } finally {
        // Publishing nothing would only log a warning per call.
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
        logger.resetKeys();
      }
    };
  };
}
