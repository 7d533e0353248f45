/**
 * How an operator reads an execution, the same on the page and in the CLI:
 * what it was about, why it failed in one line, and what to do next.
 */
import takedownDefinition from '../../../asl/takedown.asl.json' with { type: 'json' };
import type { OriginalsRegion } from '../../../core/index.ts';
import type { Execution } from '../executions.ts';
import type { ExecutionSummary } from './api.ts';
import { MAX_EXECUTION_HISTORIES } from './execution-status.ts';

type Input = { key?: string; detail?: { object?: { key?: string } } } | null;

/** An execution as the list and the operations answer it: without its event history. */
export function withoutEvents({ events: _events, ...summary }: Execution): ExecutionSummary {
  return summary;
}

/** The original an execution is about (upload, render, takedown), or '' (invalidation-flush). */
export function subject(execution: Pick<ExecutionSummary, 'input'>): string {
  const input = execution.input as Input;
  return input?.detail?.object?.key ?? input?.key ?? '';
}

/** The error in one line: a Lambda's Cause is the runtime's JSON report, of which only errorMessage is for people. */
export function failure(execution: Pick<ExecutionSummary, 'error' | 'cause'>): string {
  if (!execution.error && !execution.cause) return '';
  let message = execution.cause ?? '';
  try {
    const report = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof report.errorMessage === 'string') message = report.errorMessage;
  } catch {
    // a plain Cause (a Fail state's, a service integration's) is already the message
  }
  return execution.error ? `${execution.error}: ${message}` : message;
}

/** The takedown's states that run once the deny entry is written: failing in one of them, viewers already get 451. */
const AFTER_DENY_ENTRY: ReadonlySet<string> = (() => {
  const states = takedownDefinition.States as Record<string, { Next?: string }>;
  const after = new Set<string>();
  for (let state = states.PutDenyEntry?.Next; state !== undefined; state = states[state]?.Next) after.add(state);
  return after;
})();

/** What the person on call does about a failed execution. */
export function nextStep(execution: Pick<ExecutionSummary, 'status' | 'error' | 'stateMachine' | 'failedState'>): string {
  if (execution.status !== 'FAILED') return '';
  if (execution.error === 'OriginalRejected') return 'the original was quarantined: fix the file and upload it again (a redrive rejects it again)';
  if (execution.error === 'Runtime.GoMissing') return 'install golang-go, restart the stack, then redrive';
  if (execution.stateMachine === 'takedown') {
    return execution.failedState !== undefined && AFTER_DENY_ENTRY.has(execution.failedState)
      ? 'viewers already get 451 (the deny entry is in place); fix the cause, then redrive to finish the deletions'
      : 'NOT blocked yet: there is no deny entry and viewers still get the image; fix the cause and redrive now';
  }
  return 'fix the cause, then redrive';
}

/** One state of an execution's top level, as its event history tells it. */
export interface Step {
  readonly state: string;
  readonly outcome: 'running' | 'succeeded' | 'failed' | 'caught';
  /** From entering the state to its last event. */
  readonly ms: number;
  readonly retries: number;
  /** The last error, in one line. */
  readonly error?: string;
}

/** Why an execution shows no steps, when its history was dropped to bound the stack's memory. */
export function evictedHistory(execution: Pick<ExecutionSummary, 'historyEvicted'>): string | undefined {
  if (!execution.historyEvicted) return undefined;
  return `steps not kept: only the ${MAX_EXECUTION_HISTORIES} most recently settled executions keep theirs; its status, input, output and error are above`;
}

/** The top-level states in the order they ran (a Map's items are inside its one step). */
export function steps(events: Execution['events']): Step[] {
  const out: Array<{ -readonly [K in keyof Step]: Step[K] } & { start: number }> = [];
  for (const event of events) {
    if (!('state' in event) || event.index !== undefined) continue;
    if (event.type === 'StateEntered') {
      out.push({ state: event.state.name, outcome: 'running', ms: 0, retries: 0, start: event.timestamp });
      continue;
    }
    const step = [...out].reverse().find((s) => s.state === event.state.name);
    if (!step) continue;
    step.ms = event.timestamp - step.start;
    if (event.type === 'StateExited') step.outcome = 'succeeded';
    if (event.type === 'StateCaught') step.outcome = 'caught';
    if (event.type === 'StateRetried') {
      step.outcome = 'running';
      step.retries++;
    }
    if (event.type === 'StateFailed') {
      step.outcome = 'failed';
      step.error = failure({ error: event.Error, cause: typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause) });
    }
  }
  return out.map(({ start: _start, ...step }) => step);
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** A settled takedown's output, step by step (workflows/takedown.ts names each ResultPath). */
export interface TakedownReport {
  readonly key: string;
  readonly reason: string;
  readonly denied?: { readonly slotKey: string; readonly id: string; readonly at: string };
  readonly originals?: { readonly regions: Readonly<Record<OriginalsRegion, 'deleted' | 'absent'>> };
  readonly variants?: { readonly deleted: number; readonly paths: readonly string[] };
  readonly invalidation?: { readonly enqueued: number; readonly alreadyQueued: number };
}

/** The takedown's report: its output once it succeeded, else its input (the steps that ran are in its events). */
export function takedownReport(execution: Pick<ExecutionSummary, 'input' | 'output'>): TakedownReport {
  return (execution.output ?? execution.input) as TakedownReport;
}
