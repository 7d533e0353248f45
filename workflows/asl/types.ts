/**
 * The subset of the Amazon States Language (JSONPath flavour) our workflows use.
 *
 * Every type is generic over N, the names of the states of the graph it lives in:
 * a `Next`, `Default` or `Catch[].Next` naming a state that does not exist is a
 * type error (see `stateGraph` in machine.ts, which also checks it at generation).
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A payload template: a key ending in `.$` holds a JSONPath or an intrinsic function. */
export type Payload = { [key: string]: Json };

export interface Retrier {
  ErrorEquals: readonly string[];
  IntervalSeconds: number;
  BackoffRate: number;
  MaxAttempts: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher<N extends string> {
  ErrorEquals: readonly string[];
  Next: N;
  /** Where the error output `{ Error, Cause }` goes in the state's input. */
  ResultPath?: string | null;
}

/** A state either goes on to another one or ends the graph, never both. */
export type Transition<N extends string> = { Next: N; End?: never } | { End: true; Next?: never };

interface Common {
  Comment?: string;
  InputPath?: string | null;
  OutputPath?: string | null;
}

export interface TaskFields<N extends string> extends Common {
  Type: 'Task';
  Resource: string;
  Parameters?: Payload;
  ResultSelector?: Payload;
  ResultPath?: string | null;
  TimeoutSeconds?: number;
  Retry?: readonly Retrier[];
  Catch?: readonly Catcher<N>[];
}
export type TaskState<N extends string> = TaskFields<N> & Transition<N>;

export type PassState<N extends string> = Common &
  Transition<N> & {
    Type: 'Pass';
    Parameters?: Payload;
    Result?: Json;
    ResultPath?: string | null;
  };

export type MapState<N extends string> = Common &
  Transition<N> & {
    Type: 'Map';
    ItemsPath?: string;
    ItemSelector?: Payload;
    ItemProcessor: ItemProcessor;
    MaxConcurrency?: number;
    ResultSelector?: Payload;
    ResultPath?: string | null;
    Retry?: readonly Retrier[];
    Catch?: readonly Catcher<N>[];
  };

/** The comparisons we use; add others here when a workflow needs them. */
export type Comparison = { Variable: string } & (
  | { BooleanEquals: boolean }
  | { StringEquals: string }
  | { IsPresent: boolean }
  | { IsString: boolean }
  | { IsNull: boolean }
);

export type Condition = Comparison | { And: readonly Condition[] } | { Not: Condition };

export type ChoiceRule<N extends string> = Condition & { Next: N };

export interface ChoiceState<N extends string> extends Common {
  Type: 'Choice';
  Choices: readonly ChoiceRule<N>[];
  Default?: N;
}

/** A fixed pause (docs/aws-limits.md §E, "Wait state"). */
export type WaitState<N extends string> = Common &
  Transition<N> & {
    Type: 'Wait';
    Seconds: number;
  };

export interface SucceedState extends Common {
  Type: 'Succeed';
}

export interface FailState {
  Type: 'Fail';
  Comment?: string;
  Error: string;
  Cause?: string;
  CausePath?: string;
}

export type State<N extends string = string> =
  | TaskState<N>
  | PassState<N>
  | MapState<N>
  | ChoiceState<N>
  | WaitState<N>
  | SucceedState
  | FailState;

export interface StateGraph<N extends string = string> {
  StartAt: N;
  States: Record<N, State<N>>;
}

export interface ItemProcessor extends StateGraph {
  ProcessorConfig: { Mode: 'INLINE' };
}

export interface StateMachineDefinition extends StateGraph {
  Comment: string;
  TimeoutSeconds: number;
}
