/**
 * Step Functions executions for the local stack: names unique per state
 * machine (StartExecution's ExecutionAlreadyExists), a list an operator can
 * read, and redrive. Each run goes through the real ASL interpreter.
 *
 * Redrive runs the same name and input again from the start, where Step
 * Functions resumes at the failed state: stricter, since every step that
 * already succeeded runs again and must find its idempotency record.
 *
 * What is kept is bounded, as Step Functions bounds it in time ("Execution
 * history data removed after 90 days. Workflow names can be reused after
 * removal of out-of-date execution data",
 * https://docs.aws.amazon.com/step-functions/latest/dg/express-at-least-once-execution.html):
 * a render execution's event history alone is about 157 KB of JSON. Past
 * MAX_EXECUTION_HISTORIES settled executions, the oldest settled one keeps its
 * summary (status, input, output, error: what the list, the console and the
 * CLI show, and what a redrive needs) but drops its events (`historyEvicted`);
 * past MAX_EXECUTIONS it is forgotten: not listed, `get` finds nothing (the
 * operations answer 404), redrive is ExecutionDoesNotExist, and its name may
 * be used again. Running executions are never evicted.
 *
 * A state machine may be given a bound on executions doing work at once
 * (`concurrency`): one started past it is RUNNING (StartExecution succeeds, as on
 * AWS) but waits, with no events yet, until one of them ends; then they start in
 * start order. It stands in for what a Lambda concurrency limit does on AWS, where
 * a task invocation past it is throttled (Lambda.TooManyRequestsException) and the
 * workflow's Retry waits and calls again: here the execution waits instead, so a
 * burst of uploads waits rather than piling invocations on a few workers (where
 * each would wait out its Task's timeout). The wait counts in its duration, not
 * against its TimeoutSeconds (the interpreter starts that clock when it runs). Only
 * for a state machine without Wait states: a slot is held through a wait.
 *
 * With a journal (./execution-journal.ts) all of it survives a restart: a stop
 * leaves the executions paused in a Wait state (an expiry's day) as they are on
 * disk, and the next start runs each on from its Wait; one a crash cut short
 * mid-work is FAILED, Local.Interrupted, and redrivable, as is one a crash found
 * waiting for a slot; one still waiting at a stop is kept as paused at its StartAt,
 * and starts after the restart.
 */
import { setMaxListeners } from 'node:events';
import { executionArn, runWorkflow, type WorkflowRun } from './asl-interpreter.ts';
import { type ExecutionJournal, INTERRUPTED, type PausedAt } from './execution-journal.ts';
import { MAX_EXECUTION_HISTORIES, type ExecutionStatus } from './ops/execution-status.ts';

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
  /** Set once the event history was dropped to bound memory (MAX_EXECUTION_HISTORIES): `events` is then empty. */
  historyEvicted?: true;
}

export { MAX_EXECUTION_HISTORIES };
/** Settled executions kept at all, as summaries past MAX_EXECUTION_HISTORIES (a few KB each). */
export const MAX_EXECUTIONS = 10_000;

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
  /**
   * Resolves when every execution still running (the ones those started included) is paused in
   * a Wait state: nothing more happens until a wait ends (an expiry's window is a day). With
   * `waitMs`, waits end by themselves and are waited for like any other state.
   */
  settled(): Promise<void>;
  /**
   * Lets what is doing work finish and starts nothing that waits for a slot of its bound (it
   * stays RUNNING, waiting); resolves as settled() does, those aside. Before stop(), which keeps
   * them, with a journal, as starts for the next process.
   */
  drain(): Promise<void>;
  /** Executions of `stateMachine` doing work now: running, and not waiting for a slot of its bound (`concurrency`). */
  working(stateMachine: string): number;
  /** Aborts every running execution (each ends FAILED States.Aborted) and resolves once they ended. */
  stop(): Promise<void>;
}

export function createLocalExecutions(options: {
  stateMachines: Readonly<Record<string, StateMachineBinding>>;
  /** Shortens Retry waits; undefined keeps the definition's real backoff. */
  retryIntervalMs?: number;
  /** Shortens every Wait state to this many milliseconds; undefined keeps the definitions' Seconds. */
  waitMs?: number;
  onSettled?: (execution: Execution) => void;
  /** State machine → executions of it doing work at once; past it an execution waits for one to end (above). Unbounded when absent. */
  concurrency?: Readonly<Record<string, number>>;
  /** Tests: smaller bounds than MAX_EXECUTION_HISTORIES and MAX_EXECUTIONS. */
  limits?: { readonly histories?: number; readonly executions?: number };
  /** Where executions are kept across restarts; without one they live as long as the process. */
  journal?: ExecutionJournal<Execution>;
}): LocalExecutions {
  const executions = new Map<string, Execution>();
  /** Running executions by id, and those of them paused in a Wait state. */
  const running = new Map<string, Promise<void>>();
  const waiting = new Set<string>();
  /** Running executions in a top-level Wait state, however long (`waiting` counts only real waits), and where. */
  const paused = new Map<string, PausedAt>();
  const onChange = new Set<() => void>();
  const changed = () => {
    for (const listener of [...onChange]) listener();
  };
  const stopping = new AbortController();
  // Every running execution listens to it: hundreds at once is normal, not a leak.
  setMaxListeners(0, stopping.signal);
  const maxHistories = options.limits?.histories ?? MAX_EXECUTION_HISTORIES;
  const maxExecutions = options.limits?.executions ?? MAX_EXECUTIONS;
  /** Settled executions, least recently settled first; and those of them that still hold their events. */
  const settledOrder = new Set<string>();
  const withHistory = new Set<string>();
  /** Each execution's place in start order and (once settled) in settle order, as the journal keeps them. */
  const startedAs = new Map<string, number>();
  const settledAs = new Map<string, number>();
  let starts = 0;
  let settles = 0;
  const save = (execution: Execution) =>
    options.journal?.save({ execution, started: startedAs.get(execution.id)!, settled: settledAs.get(execution.id), paused: paused.get(execution.id) });

  function evict() {
    for (const id of withHistory) {
      if (withHistory.size <= maxHistories) break;
      withHistory.delete(id);
      const execution = executions.get(id);
      if (!execution) continue;
      Object.assign(execution, { events: [], historyEvicted: true });
      save(execution);
    }
    for (const id of settledOrder) {
      if (executions.size <= maxExecutions) break;
      settledOrder.delete(id);
      withHistory.delete(id);
      executions.delete(id);
      startedAs.delete(id);
      settledAs.delete(id);
      options.journal?.forget(id);
    }
  }

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
    delete execution.historyEvicted;
    // Re-inserted: a redriven execution counts as settled now, not when it first settled.
    settledOrder.delete(execution.id);
    settledOrder.add(execution.id);
    withHistory.delete(execution.id);
    withHistory.add(execution.id);
    settledAs.set(execution.id, ++settles);
    save(execution);
    evict();
    options.onSettled?.(execution);
  }

  /** Per bounded state machine: its executions doing work, and the admissions of those waiting for a slot, oldest first. */
  const slots = new Map<string, { active: number; readonly waiting: Array<(admitted: boolean) => void> }>();
  /** The ids of the executions waiting for a slot. */
  const queued = new Set<string>();
  /** Set by drain(): a slot that frees admits no one, and a new execution past its bound waits. */
  let draining = false;
  stopping.signal.addEventListener('abort', () => {
    for (const machine of slots.values()) for (const admit of machine.waiting.splice(0)) admit(false);
  });

  /**
   * True when `execution` may do work now (its state machine is unbounded, or has a free slot);
   * else a promise of true once a slot is its, or of false when the stack stops first. A waiting
   * execution is journaled as doing work: a crash makes it Local.Interrupted, like any cut short.
   */
  function admission(execution: Execution): Promise<boolean> | true {
    const limit = options.concurrency?.[execution.stateMachine];
    if (limit === undefined) return true;
    let machine = slots.get(execution.stateMachine);
    if (!machine) slots.set(execution.stateMachine, (machine = { active: 0, waiting: [] }));
    if (machine.active < limit && machine.waiting.length === 0 && !draining) {
      machine.active++;
      return true;
    }
    if (stopping.signal.aborted) return Promise.resolve(false);
    queued.add(execution.id);
    const slotted = machine;
    return new Promise((resolve) =>
      slotted.waiting.push((admitted) => {
        queued.delete(execution.id);
        if (admitted) slotted.active++;
        resolve(admitted);
      }),
    );
  }

  /** The slot `execution` held is free: the longest waiter of its state machine takes it. */
  function leave(execution: Execution) {
    const machine = slots.get(execution.stateMachine);
    if (!machine) return;
    machine.active--;
    if (!stopping.signal.aborted && !draining) machine.waiting.shift()?.(true);
  }

  /** Runs `execution` from its start, or (a restart) on from where it was paused; past its state machine's bound, once a slot is free. */
  function run(execution: Execution, from?: PausedAt) {
    const started = performance.now();
    const admitted = admission(execution);
    const done =
      admitted === true
        ? work(execution, from, started)
        : admitted.then((yes) => {
            if (yes) return work(execution, from, started);
            if (options.journal) {
              // Stopped before it started: kept as a start still to come, which the next process runs.
              const { StartAt } = binding(execution.stateMachine).definition as { StartAt: string };
              paused.set(execution.id, from ?? { state: StartAt, input: execution.input });
              save(execution);
            } else {
              settle(execution, started, { status: 'FAILED', error: 'States.Aborted', cause: 'the local stack stopped before this execution started' });
            }
            return undefined;
          });
    running.set(execution.id, done);
    void done.finally(() => {
      running.delete(execution.id);
      waiting.delete(execution.id);
      paused.delete(execution.id);
      changed();
    });
  }

  /** The run itself, holding its state machine's slot (if bounded) until it ends. */
  function work(execution: Execution, from: PausedAt | undefined, started: number): Promise<void> {
    const { definition, handlers } = binding(execution.stateMachine);
    if (from && (definition as { States: Record<string, { Type: string }> }).States[from.state]?.Type !== 'Wait') {
      // A start kept from a stop (paused at its StartAt) is doing work now: a crash from here on interrupts it.
      paused.delete(execution.id);
      save(execution);
    }
    return runWorkflow(definition, from ? from.input : execution.input, {
      from: from?.state,
      handlers,
      executionName: execution.name,
      stateMachineName: execution.stateMachine,
      retryIntervalMs: options.retryIntervalMs,
      waitMs: options.waitMs,
      signal: stopping.signal,
      onEvent: (event) => {
        if (!('state' in event) || event.state.type !== 'Wait') return;
        // Only a top-level Wait can be run on from (a Map's or a Parallel's is inside its branch).
        const topLevel = event.index === undefined && event.state.name in (definition as { States: object }).States;
        if (event.type === 'StateEntered' && topLevel) paused.set(execution.id, { state: event.state.name, input: event.state.input });
        else paused.delete(execution.id);
        save(execution);
        // A shortened wait ends by itself in a moment: only a real one (a day) leaves the stack settled.
        if (options.waitMs !== undefined) return;
        if (event.type === 'StateEntered') waiting.add(execution.id);
        else waiting.delete(execution.id);
        changed();
      },
    }).then(
      // Stopping, a run is cut short where it is: its journal record stays as it was, for the next start (restore).
      (result) => (stopping.signal.aborted && options.journal ? undefined : settle(execution, started, result)),
      // The interpreter itself failed (not a state): the execution fails with why, visibly.
      (error: unknown) => settle(execution, started, { status: 'FAILED', error: 'States.Runtime', cause: error instanceof Error ? error.message : String(error) }),
    ).finally(() => leave(execution));
  }

  /**
   * What a restart finds of the executions the journal kept. One that was paused in a top-level
   * Wait state runs on from that state, with the input it entered it with (the wait starts over:
   * what it waits for comes later, never earlier); one that was doing work when the process
   * stopped is FAILED, Local.Interrupted, for an operator to redrive.
   */
  function restore(journal: ExecutionJournal<Execution>) {
    const resumed: Array<[Execution, PausedAt]> = [];
    const interrupted: Execution[] = [];
    for (const { execution, started, settled, paused: wasPaused } of journal.load()) {
      executions.set(execution.id, execution);
      startedAs.set(execution.id, started);
      starts = Math.max(starts, started);
      if (settled !== undefined) settledAs.set(execution.id, settled);
      else if (wasPaused) resumed.push([execution, wasPaused]);
      else interrupted.push(execution);
    }
    settles = [...settledAs.values()].reduce((max, n) => Math.max(max, n), 0);
    for (const execution of interrupted) {
      Object.assign(execution, { status: 'FAILED', ...INTERRUPTED, stoppedAt: new Date().toISOString(), events: [] });
      settledAs.set(execution.id, ++settles);
      save(execution);
    }
    for (const [id] of [...settledAs].sort(([, a], [, b]) => a - b)) {
      settledOrder.add(id);
      if (executions.get(id)!.events.length > 0) withHistory.add(id);
    }
    evict();
    for (const [execution, from] of resumed) run(execution, from);
  }
  if (options.journal) restore(options.journal);

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
      startedAs.set(id, ++starts);
      save(execution);
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
      // Running again: never evicted until it settles.
      settledOrder.delete(id);
      withHistory.delete(id);
      settledAs.delete(id);
      execution.redriveCount++;
      save(execution);
      run(execution);
      return execution;
    },
    list(filter = {}) {
      return [...executions.values()]
        .filter((e) => (!filter.stateMachine || e.stateMachine === filter.stateMachine) && (!filter.status || e.status === filter.status))
        .reverse();
    },
    get: (id) => executions.get(id),
    working: (stateMachine) => [...running.keys()].filter((id) => !queued.has(id) && executions.get(id)?.stateMachine === stateMachine).length,
    async settled() {
      while ([...running.keys()].some((id) => !waiting.has(id) && !(draining && queued.has(id)))) {
        await new Promise<void>((resolve) => {
          const once = () => {
            onChange.delete(once);
            resolve();
          };
          onChange.add(once);
        });
      }
    },
    drain() {
      draining = true;
      return this.settled();
    },
    async stop() {
      stopping.abort();
      await Promise.all(running.values());
    },
  };
}
