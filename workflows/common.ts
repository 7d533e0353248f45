/**
 * What every workflow shares (docs/pipeline.md, "Conventions"): the transient
 * errors and their retry policy, Lambda Task states bound by placeholder, and the
 * `Workflow` record CDK and the local runner consume.
 */
import { allStates } from './asl/builder.ts';
import type { Catcher, Payload, Retrier, StateMachineDefinition, TaskFields } from './asl/types.ts';

export const TRANSIENT_ERRORS = [
  'StoreUnavailable',
  'OriginsUnavailable',
  // A render past its deadline (sharp's timeout): a busy machine, as far as anyone can tell.
  'RenderTimedOut',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  // A function that timed out (or ran out of memory), perhaps after doing its work: safe to retry, every task is idempotent.
  'Lambda.Unknown',
  'Sandbox.Timedout',
  'States.Timeout',
] as const;

export const TRANSIENT_RETRY: Retrier = {
  ErrorEquals: TRANSIENT_ERRORS,
  IntervalSeconds: 1,
  BackoffRate: 2,
  MaxAttempts: 4,
  MaxDelaySeconds: 20,
  JitterStrategy: 'FULL',
};

/**
 * A task that finds the idempotency record of its own work in progress: a duplicate of it still
 * running, or an invocation that died holding the record (out of memory, its environment ended).
 * Powertools keeps such a record in progress until the remaining time of the invocation that
 * wrote it has run out (docs/aws-limits.md §F, `registerLambdaContext`): up to the longest task
 * timeout (tasks/registry.ts). These retries, 95 s in all, outlast that
 * (test/pipeline/in-progress-retry.test.ts holds them longer), where the transient policy's,
 * about 15 s, ran out first and failed the execution. No jitter: nobody else competes for this
 * record, the wait is for it alone.
 */
export const IN_PROGRESS_RETRY: Retrier = {
  ErrorEquals: ['IdempotencyAlreadyInProgressError'],
  IntervalSeconds: 5,
  BackoffRate: 2,
  MaxAttempts: 5,
  MaxDelaySeconds: 30,
  JitterStrategy: 'NONE',
};

/** Every Task passes the execution name: the handler's correlation id. */
const EXECUTION_NAME: Payload = { 'executionName.$': '$$.Execution.Name' };

const SERVICE_INTEGRATION_PREFIX = 'arn:aws:states:::';

/** `arn:aws:states:::…`: Step Functions calls the service itself (no Lambda in between). */
export function isServiceIntegration(resource: string): boolean {
  return resource.startsWith(SERVICE_INTEGRATION_PREFIX);
}

/** `render-variant` → `RenderVariant`. */
export function pascalCase(kebab: string): string {
  return kebab.replace(/(?:^|-)([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** `render-variant` → `RenderVariantFunctionArn`: the substitution CDK fills with the function's ARN. */
export function functionArnPlaceholder(task: string): string {
  return `${pascalCase(task)}FunctionArn`;
}

/** `RenderVariant` → `render-variant`. */
export function kebabCase(pascal: string): string {
  return pascal.replace(/[A-Z]/g, (letter, at: number) => (at ? '-' : '') + letter.toLowerCase());
}

/** `expire-freshness` → `ExpireFreshnessStateMachineArn`: the substitution CDK fills with that state machine's ARN. */
export function stateMachineArnPlaceholder(workflow: string): string {
  return `${pascalCase(workflow)}StateMachineArn`;
}

/** The Lambda task (folder under tasks/) a Task state calls, or the service integration it uses. */
export type TaskBinding = { lambda: string } | { integration: string };

export function taskBinding(resource: string): TaskBinding {
  if (isServiceIntegration(resource)) {
    return { integration: resource.slice(SERVICE_INTEGRATION_PREFIX.length) };
  }
  const pascal = /^\$\{([A-Z][A-Za-z0-9]*)FunctionArn\}$/.exec(resource)?.[1];
  if (!pascal) throw new Error(`Task resource is neither a service integration nor a function placeholder: ${resource}`);
  return { lambda: kebabCase(pascal) };
}

/**
 * A Task state calling the Lambda of `tasks/<task>/`: the handler's event is `Parameters`
 * plus the execution name, and transient errors are retried.
 */
export function lambdaTask<N extends string = never>(
  task: string,
  fields: { Parameters: Payload; ResultSelector?: Payload; ResultPath?: string | null; Catch?: Catcher<N>[] },
): TaskFields<NoInfer<N>> {
  const { Parameters, ResultSelector, ResultPath, Catch } = fields;
  return {
    Type: 'Task',
    Resource: `\${${functionArnPlaceholder(task)}}`,
    Parameters: { ...Parameters, ...EXECUTION_NAME },
    ...(ResultSelector && { ResultSelector }),
    ...(ResultPath !== undefined && { ResultPath }),
    Retry: [IN_PROGRESS_RETRY, TRANSIENT_RETRY],
    ...(Catch && { Catch }),
  };
}

/**
 * A Task state that starts `workflow`, fire and forget, named by `name` (a path or an intrinsic):
 * a duplicate name is refused, and the refusal is caught on to `next` like the start itself.
 */
export function startWorkflow<N extends string>(
  workflow: string,
  fields: { Comment: string; name: string; Input: Payload; ResultPath: string },
  next: N,
): TaskFields<N> & { Next: N } {
  return {
    Type: 'Task',
    Comment: fields.Comment,
    Resource: 'arn:aws:states:::states:startExecution',
    Parameters: {
      StateMachineArn: `\${${stateMachineArnPlaceholder(workflow)}}`,
      'Name.$': fields.name,
      Input: { ...fields.Input, 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
    },
    ResultPath: fields.ResultPath,
    Catch: [{ ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'], ResultPath: fields.ResultPath, Next: next }],
    Next: next,
  };
}

export interface Workflow {
  name: string;
  definition: StateMachineDefinition;
  /** The `${…}` substitutions the definition uses (names without `${}`), for CDK's definitionSubstitutions. */
  placeholders: string[];
  /** Task state name → what it calls: the local runner binds each one to a handler by name. */
  tasks: Record<string, TaskBinding>;
  /** The workflows it starts (its `${…StateMachineArn}` placeholders): its role may start exactly those. */
  starts: string[];
}

export function defineWorkflow(name: string, definition: StateMachineDefinition): Workflow {
  const placeholders = [...JSON.stringify(definition).matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]!);
  const tasks = Object.fromEntries(
    allStates(definition).flatMap(([state, s]) => (s.Type === 'Task' ? [[state, taskBinding(s.Resource)]] : [])),
  );
  const unique = [...new Set(placeholders)].sort();
  const starts = unique.flatMap((placeholder) => /^([A-Z]\w*)StateMachineArn$/.exec(placeholder)?.slice(1, 2).map(kebabCase) ?? []);
  return { name, definition, placeholders: unique, tasks, starts };
}

/** The checked-in form of a workflow, `asl/<name>.asl.json`: stable 2-space JSON. */
export function aslJson(workflow: Workflow): string {
  return `${JSON.stringify(workflow.definition, null, 2)}\n`;
}
