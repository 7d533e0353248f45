/** Stub task handlers for running the workflows through the local interpreter in tests. */
import type { TaskHandler, WorkflowRun } from '../../infra/local/asl-interpreter.ts';

// Inputs are whatever the workflow passed: tests read their fields freely.
type Input = any;

export interface Call {
  state: string;
  input: Input;
}

/** Handlers that record every call, in order, then behave as given (return a value or throw). */
export function stubs(behaviours: Record<string, (input: Input) => unknown>) {
  const calls: Call[] = [];
  const handlers: Record<string, TaskHandler> = Object.fromEntries(
    Object.entries(behaviours).map(([state, behave]) => [
      state,
      async (input: Input) => {
        calls.push({ state, input });
        return behave(input);
      },
    ]),
  );
  return {
    handlers,
    calls,
    /** The states called, in order. */
    called: () => calls.map((call) => call.state),
    inputOf: (state: string): Input => calls.find((call) => call.state === state)?.input,
  };
}

/** Fails once per listed error, then behaves as given. */
export function failingFirst(errors: Error[], then: (input: Input) => unknown): (input: Input) => unknown {
  const pending = [...errors];
  return (input) => {
    const error = pending.shift();
    if (error) throw error;
    return then(input);
  };
}

export function throws(error: Error): () => never {
  return () => {
    throw error;
  };
}

export function eventsOfType<T extends WorkflowRun['events'][number]['type']>(run: WorkflowRun, type: T) {
  return run.events.filter((event): event is Extract<WorkflowRun['events'][number], { type: T }> => event.type === type);
}
