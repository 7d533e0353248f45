/**
 * Runs a workflow definition with aws-local-stepfunctions, every Task state bound by
 * name to a local handler: the one way the tests and the local stack execute asl/.
 *
 * Fidelity to Step Functions where the interpreter differs:
 * - a Lambda Task's error reaches Retry/Catch by its `name` (the interpreter matches
 *   `error.name`), with the Cause Lambda reports: the JSON `{ errorType, errorMessage,
 *   trace }`, which the workflows parse (upload's rejection reason). Service
 *   integrations (`arn:aws:states:::…`) keep the plain message as Cause.
 * - a handler's result goes through JSON, as a Lambda's response does.
 * - the Context object has the execution's and state machine's names and ARNs.
 */
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import { allStates } from '../../workflows/asl/builder.ts';
import type { StateMachineDefinition } from '../../workflows/asl/types.ts';
import { isServiceIntegration } from '../../workflows/common.ts';
import { LOCAL_ACCOUNT as ACCOUNT, PRIMARY_REGION as REGION } from './local-aws.ts';

// aws-local-stepfunctions targets Node 22 and calls Promise.withResolvers in every Task state.
const PromiseWithResolvers = Promise as unknown as { withResolvers?: () => unknown };
PromiseWithResolvers.withResolvers ??= () => {
  let resolve: (value: unknown) => void = () => {};
  let reject: (reason: unknown) => void = () => {};
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

export type TaskHandler = (input: unknown) => Promise<unknown>;

type JsonValue = Parameters<StateMachine['run']>[0];

export type WorkflowEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export interface RunWorkflowOptions {
  /** One handler per Task state, by state name (Map item processors' included). */
  handlers: Record<string, TaskHandler>;
  executionName: string;
  stateMachineName?: string;
  /** Wait this long before every retry instead of the Retry policy's backoff (tests). */
  retryIntervalMs?: number;
  /** Pause this long in every Wait state instead of its Seconds (tests, and a local stack told so). */
  waitMs?: number;
  /** Each event as it happens (the execution's events are all in the result too). */
  onEvent?: (event: WorkflowEvent) => void;
  /** Aborting it stops the execution (the local stack stopping): the run then fails States.Aborted. */
  signal?: AbortSignal;
  /** Starts at this top-level state, not StartAt (a restart running an execution on from its Wait): `input` is that state's. */
  from?: string;
}

export interface WorkflowRun {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  /** The state whose failure ended the execution (a Map's failure, not its item's). */
  failedState?: string;
  /** State entered/exited/failed/retried/caught, Map iterations, execution start and end. */
  events: WorkflowEvent[];
}


export const stateMachineArn = (stateMachine: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${stateMachine}`;
export const executionArn = (stateMachine: string, name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:${stateMachine}:${name}`;

/** Runs `definition`: a Workflow's, or a parsed asl/*.asl.json (the interpreter validates it). */
export async function runWorkflow(whole: object, input: unknown, options: RunWorkflowOptions): Promise<WorkflowRun> {
  const definition = options.from ? startingAt(whole as StateMachineDefinition, options.from) : whole;
  const states = allStates(definition as StateMachineDefinition);
  const names = new Set(states.map(([name]) => name));
  // Starting later, the Task states before `from` are not in the definition run: neither are their handlers.
  const handlers = bindHandlers(states, options.from ? Object.fromEntries(Object.entries(options.handlers).filter(([name]) => names.has(name))) : options.handlers);
  const stateMachineName = options.stateMachineName ?? 'local';
  const execution = interpreterFor(definition).run(toJson(input), {
    overrides: {
      taskResourceLocalHandlers: handlers,
      ...(options.retryIntervalMs !== undefined && {
        retryIntervalOverrides: Object.fromEntries(
          states.filter(([, state]) => 'Retry' in state).map(([name]) => [name, options.retryIntervalMs!]),
        ),
      }),
      ...(options.waitMs !== undefined && {
        waitTimeOverrides: Object.fromEntries(states.filter(([, state]) => state.Type === 'Wait').map(([name]) => [name, options.waitMs!])),
      }),
    },
    context: {
      Execution: {
        Id: executionArn(stateMachineName, options.executionName),
        Name: options.executionName,
      },
      StateMachine: {
        Id: stateMachineArn(stateMachineName),
        Name: stateMachineName,
      },
    },
  });

  const events: WorkflowEvent[] = [];
  const collected = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event);
      options.onEvent?.(event);
    }
  })();
  const abort = () => execution.abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  let run: Omit<WorkflowRun, 'events'>;
  try {
    run = { status: 'SUCCEEDED', output: await execution.result };
  } catch (thrown) {
    if (thrown instanceof ExecutionTimeoutError) {
      run = { status: 'FAILED', error: 'States.Timeout', cause: thrown.message };
    } else if (thrown instanceof ExecutionAbortedError) {
      run = { status: 'FAILED', error: 'States.Aborted', cause: 'the local stack stopped while this execution ran' };
    } else if (thrown instanceof ExecutionError && thrown.cause instanceof Error) {
      run = { status: 'FAILED', error: thrown.cause.name, cause: thrown.cause.message };
    } else {
      throw thrown;
    }
  }
  options.signal?.removeEventListener('abort', abort);
  await collected;
  if (run.status === 'FAILED') {
    const failed = [...events].reverse().find((event) => event.type === 'StateFailed' && event.index === undefined);
    if (failed && 'state' in failed) run.failedState = failed.state.name;
  }
  return { ...run, events };
}

/** `definition` from `state` on: that StartAt, and only the states it can reach (the validator refuses unreachable ones). */
function startingAt(definition: StateMachineDefinition, state: string): object {
  const all = definition.States as unknown as Record<string, Record<string, unknown>>;
  if (!all[state]) throw new Error(`no top-level state ${state} to start at`);
  const reached = new Set<string>();
  const next = [state];
  for (let name = next.pop(); name !== undefined; name = next.pop()) {
    if (reached.has(name)) continue;
    reached.add(name);
    const found = all[name]!;
    const choices = (found.Choices as Array<{ Next: string }> | undefined) ?? [];
    const catches = (found.Catch as Array<{ Next: string }> | undefined) ?? [];
    for (const to of [found.Next, found.Default, ...choices.map((c) => c.Next), ...catches.map((c) => c.Next)]) if (typeof to === 'string') next.push(to);
  }
  return { ...definition, StartAt: state, States: Object.fromEntries(Object.entries(all).filter(([name]) => reached.has(name))) };
}

const interpreters = new WeakMap<object, StateMachine>();

/** One interpreter per definition: constructing one validates the definition, which takes a while. */
function interpreterFor(definition: object): StateMachine {
  let interpreter = interpreters.get(definition);
  if (!interpreter) {
    // A copy: the interpreter's validator writes into the definition it is given. Its ARN
    // check stays on: asl-validator accepts a `${…}` Resource only when it is not an ARN.
    interpreter = new StateMachine(structuredClone(definition) as ConstructorParameters<typeof StateMachine>[0]);
    interpreters.set(definition, interpreter);
  }
  return interpreter;
}

function bindHandlers(
  states: ReturnType<typeof allStates>,
  handlers: Record<string, TaskHandler>,
): Record<string, (input: JsonValue) => Promise<JsonValue>> {
  const tasks = new Map(states.flatMap(([name, state]) => (state.Type === 'Task' ? [[name, state.Resource]] : [])));
  const unbound = [...tasks.keys()].filter((name) => !Object.hasOwn(handlers, name));
  const unknown = Object.keys(handlers).filter((name) => !tasks.has(name));
  // Without a handler the interpreter would call the real Lambda with AWS credentials.
  if (unbound.length > 0) throw new Error(`no handler for Task state(s): ${unbound.join(', ')}`);
  if (unknown.length > 0) throw new Error(`handler(s) for no Task state: ${unknown.join(', ')}`);
  return Object.fromEntries(
    [...tasks].map(([name, resource]) => {
      const handler = handlers[name]!;
      const isLambda = !isServiceIntegration(resource);
      return [
        name,
        async (input) => {
          try {
            return toJson(await handler(input));
          } catch (thrown) {
            throw isLambda ? asLambdaError(thrown) : thrown;
          }
        },
      ];
    }),
  );
}

/** The error Step Functions sees from a Lambda: Error = errorType, Cause = the runtime's JSON report. */
function asLambdaError(thrown: unknown): Error {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const report = { errorType: error.name, errorMessage: error.message, trace: error.stack?.split('\n') ?? [] };
  const lambdaError = new Error(JSON.stringify(report));
  lambdaError.name = error.name;
  return lambdaError;
}

function toJson(value: unknown): JsonValue {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}
