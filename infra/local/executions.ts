/**
 * Step Functions executions for the local stack: names unique per state
 * machine (StartExecution's ExecutionAlreadyExists), a list an operator can
 * read, and redrive. Each run goes through the real ASL interpreter.
 *
 * Redrive runs the same name and input again from the start, where Step
 * Functions resumes at the failed state: stricter, since every step that
 * already succeeded runs again and must find its idempotency record.
 */
import { executionArn, runWorkflow, type WorkflowRun } from './asl-interpreter.ts';
import type { ExecutionStatus } from './ops/execution-status.ts';

export { EXECUTION_STATUSES, type ExecutionStatus } from './ops/execution-status.ts';

export interface Execution {
  readonly id: string;
  readonly stateMachine: string;
  readonly name: string;
  readonly input: unknown;
  status: ExecutionStatus;
  readonly startedAt: string;
  stoppedAt?: string;
  durationMs?: number;
  output?: unknown;
  error?: string;
  cause?: string;
  /** The state whose failure ended the execution. */
  failedState?: string;
  redriveCount: number;
  events: WorkflowRun['events'];
}

export interface StateMachineBinding {
  readonly definition: object;
  /** Task state name → the local handler bound to its Resource. */
  readonly handlers: Readonly<Record<string, (input: unknown) => Promise<unknown>>>;
}

/** Step Functions' API errors as a workflow's SDK integration names them (`StepFunctions.XxxException`). */
export class StepFunctionsError extends Error {
  constructor(
    readonly code: 'StateMachineDoesNotExist' | 'ExecutionAlreadyExists' | 'ExecutionDoesNotExist' | 'ExecutionNotRedrivable',
    message: string,
  ) {
    super(message);
    this.name = `StepFunctions.${code}Exception`;
  }
}

export interface LocalExecutions {
  /** StartExecution: a random name unless given, as EventBridge and the console do. */
  start(stateMachine: string, input: unknown, name?: string): Execution;
  redrive(id: string): Execution;
  /** Newest first. */
  list(filter?: { stateMachine?: string; status?: ExecutionStatus }): readonly Execution[];
  get(id: string): Execution | undefined;
  /** Resolves when no execution is running, including the ones those started. */
  settled(): Promise<void>;
}

export function createLocalExecutions(options: {
  stateMachines: Readonly<Record<string, StateMachineBinding>>;
  /** Shortens Retry waits; undefined keeps the definition's real backoff. */
  retryIntervalMs?: number;
  onSettled?: (execution: Execution) => void;
}): LocalExecutions {
  const executions = new Map<string, Execution>();
  const running = new Set<Promise<void>>();

  function binding(stateMachine: string): StateMachineBinding {
    const found = options.stateMachines[stateMachine];
    if (!found) throw new StepFunctionsError('StateMachineDoesNotExist', `no state machine ${stateMachine}`);
    return found;
  }

  function settle(execution: Execution, started: number, result: Omit<WorkflowRun, 'events'> & { events?: WorkflowRun['events'] }) {
    Object.assign(execution, {
      status: result.status,
      output: result.output,
      error: result.error,
      cause: result.cause,
      failedState: result.failedState,
      events: result.events ?? [],
      stoppedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - started),
    });
    options.onSettled?.(execution);
  }

  function run(execution: Execution) {
    const { definition, handlers } = binding(execution.stateMachine);
    const started = performance.now();
    const done = runWorkflow(definition, execution.input, {
      handlers,
      executionName: execution.name,
      stateMachineName: execution.stateMachine,
      retryIntervalMs: options.retryIntervalMs,
    }).then(
      (result) => settle(execution, started, result),
      // The interpreter itself failed (not a state): the execution fails with why, visibly.
      (error: unknown) => settle(execution, started, { status: 'FAILED', error: 'States.Runtime', cause: error instanceof Error ? error.message : String(error) }),
    );
    running.add(done);
    void done.finally(() => running.delete(done));
  }

  return {
    start(stateMachine, input, name = crypto.randomUUID()) {
      binding(stateMachine);
      const id = executionArn(stateMachine, name);
      const existing = executions.get(id);
      if (existing) {
        // As on AWS: the same name and input while running returns that execution; anything else already exists.
        if (existing.status === 'RUNNING' && JSON.stringify(existing.input) === JSON.stringify(input)) return existing;
        throw new StepFunctionsError('ExecutionAlreadyExists', `execution ${name} already exists`);
      }
      const execution: Execution = { id, stateMachine, name, input, status: 'RUNNING', startedAt: new Date().toISOString(), redriveCount: 0, events: [] };
      executions.set(id, execution);
      run(execution);
      return execution;
    },
    redrive(id) {
      const execution = executions.get(id);
      if (!execution) throw new StepFunctionsError('ExecutionDoesNotExist', `no execution ${id}`);
      if (execution.status !== 'FAILED') {
        throw new StepFunctionsError('ExecutionNotRedrivable', `execution ${execution.name} is ${execution.status}; only a failed execution can be redriven`);
      }
      Object.assign(execution, { status: 'RUNNING', output: undefined, error: undefined, cause: undefined, failedState: undefined, stoppedAt: undefined, durationMs: undefined });
      execution.redriveCount++;
      run(execution);
      return execution;
    },
    list(filter = {}) {
      return [...executions.values()]
        .filter((e) => (!filter.stateMachine || e.stateMachine === filter.stateMachine) && (!filter.status || e.status === filter.status))
        .reverse();
    },
    get: (id) => executions.get(id),
    async settled() {
      while (running.size > 0) await Promise.all(running);
    },
  };
}
