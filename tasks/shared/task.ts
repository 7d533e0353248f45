import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { IdempotencyConfig, IdempotencyPersistenceLayerError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { z } from 'zod';
import { StoreUnavailable } from '../../core/index.ts';
import { isDynamoUnavailable } from './conditional-write.ts';
import { TaskInputInvalid } from './errors.ts';

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

/** Powertools wraps a failed call to the idempotency table: one that may succeed later is StoreUnavailable, as for every table. */
function named(task: string, error: unknown): unknown {
  if (error instanceof IdempotencyPersistenceLayerError && isDynamoUnavailable(error.cause)) return new StoreUnavailable(`${task}: ${error.message}`, { cause: error });
  return error;
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
    const config = new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      expiresAfterSeconds: runtime.idempotencyTtlSeconds ?? PIPELINE_IDEMPOTENCY_TTL_SECONDS,
      throwOnNoIdempotencyKey: true,
    });
    const once = makeIdempotent(
      (unit: { key: string; input: z.infer<I> & { executionName: string } }) => spec.run(unit.input, ctx),
      { persistenceStore: runtime.persistence, config, keyPrefix: spec.name },
    );

    return async (event, context) => {
      const parsed = schema.safeParse(event);
      if (!parsed.success) throw new TaskInputInvalid(spec.name, z.prettifyError(parsed.error));
      const input = parsed.data as z.infer<I> & { executionName: string };
      logger.setCorrelationId(input.executionName);
      if (context?.getRemainingTimeInMillis) config.registerLambdaContext(context as Context);
      try {
        if (!spec.idempotencyKey) return await spec.run(input, ctx);
        const key = spec.idempotencyKey(input);
        logger.appendKeys({ idempotencyKey: key });
        return await once({ key, input });
      } catch (error) {
        logger.error('task failed', error as Error);
        throw named(spec.name, error);
      } finally {
        // Publishing nothing would only log a warning per call.
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
        logger.resetKeys();
      }
    };
  };
}
