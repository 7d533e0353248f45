/**
 * Step Functions Standard bills every state transition. This walks one path
 * through a checked-in asl/*.asl.json and counts what an execution on that path
 * is billed for and which Lambda functions it invokes.
 *
 * How states are counted: every state entered counts once (Task, Pass, Choice,
 * Map, Succeed, Fail alike); a Map counts once itself plus the states of each
 * iteration; a Choice goes to its Default unless the path names another target;
 * retries and catches are not on the path (they are the exception).
 */
import flushAsl from '../../asl/invalidation-flush.asl.json' with { type: 'json' };
import renderAsl from '../../asl/render.asl.json' with { type: 'json' };
import expireAsl from '../../asl/expire-freshness.asl.json' with { type: 'json' };
import takedownAsl from '../../asl/takedown.asl.json' with { type: 'json' };
import uploadAsl from '../../asl/upload.asl.json' with { type: 'json' };
import { taskBinding } from '../../workflows/common.ts';

interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: ReadonlyArray<{ readonly Next: string; readonly Variable?: string }>;
  readonly Resource?: string;
  readonly ItemProcessor?: AslMachine;
}

export interface AslMachine {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

export interface WorkflowPath {
  /** Choice state → the state it goes to on this path (others take their Default). */
  readonly choices?: Readonly<Record<string, string>>;
  /** Map state → how many items it iterates over. */
  readonly mapItems?: Readonly<Record<string, number>>;
}

export interface PathCount {
  readonly transitions: number;
  /** Lambda invocations on the path, by task (the folder under tasks/, e.g. `render-variant`). */
  readonly invocations: Readonly<Record<string, number>>;
}

export function countPath(machine: AslMachine, path: WorkflowPath = {}): PathCount {
  let transitions = 0;
  const invocations: Record<string, number> = {};
  const add = (task: string, n: number) => (invocations[task] = (invocations[task] ?? 0) + n);
  const seen = new Set<string>();

  for (let name: string | undefined = machine.StartAt; name !== undefined; ) {
    const state = machine.States[name];
    if (!state) throw new Error(`no state ${name}`);
    if (seen.has(name)) throw new Error(`the path loops at ${name}`);
    seen.add(name);
    transitions += 1;

    if (state.Type === 'Task' && state.Resource) {
      const binding = taskBinding(state.Resource);
      if ('lambda' in binding) add(binding.lambda, 1);
    }
    if (state.Type === 'Map') {
      const items = path.mapItems?.[name];
      if (items === undefined) throw new Error(`the path does not say how many items Map ${name} iterates over`);
      if (!state.ItemProcessor) throw new Error(`Map ${name} has no ItemProcessor`);
      const iteration = countPath(state.ItemProcessor, path);
      transitions += items * iteration.transitions;
      for (const [task, n] of Object.entries(iteration.invocations)) add(task, items * n);
    }
    name = nextState(name, state, path);
  }
  return { transitions, invocations };
}

function nextState(name: string, state: AslState, path: WorkflowPath): string | undefined {
  if (state.Type === 'Succeed' || state.Type === 'Fail' || state.End) return undefined;
  if (state.Type !== 'Choice') return state.Next;
  const chosen = path.choices?.[name];
  if (chosen === undefined) return state.Default;
  if (!state.Choices?.some((choice) => choice.Next === chosen)) throw new Error(`Choice ${name} has no branch to ${chosen}`);
  return chosen;
}

export const ASL = {
  upload: uploadAsl as AslMachine,
  render: renderAsl as AslMachine,
  takedown: takedownAsl as AslMachine,
  invalidationFlush: flushAsl as AslMachine,
  expireFreshness: expireAsl as AslMachine,
} as const;

/** The tasks that run sharp: x86_64 at their own memory sizes (infra/aws/stacks/pipeline.ts); the others are arm64. */
export const RENDER_TASK = 'render-variant';
export const VALIDATE_TASK = 'validate-original';
/**
 * The tasks that ask whether their upload is still the key's current one (isCurrentUpload in
 * tasks/record-original/originals-table.ts): one strongly consistent GetItem of the originals
 * table per invocation, render-variant before its PUT, advance-generation before its write.
 */
export const CURRENT_UPLOAD_CHECK_TASKS = [RENDER_TASK, 'advance-generation'] as const;

/**
 * The one branch a two-way Choice takes when its condition holds (its Default is the other way);
 * with `variable`, the branch of the rules on that variable (the others are ways out the path does not take).
 */
export function branchOf(machine: AslMachine, choice: string, variable?: string): string {
  const state = machine.States[choice];
  if (state?.Type !== 'Choice') throw new Error(`no Choice ${choice}`);
  const rules = (state.Choices ?? []).filter((rule) => variable === undefined || rule.Variable === variable);
  const targets = [...new Set(rules.map((rule) => rule.Next))];
  if (targets.length !== 1) throw new Error(`Choice ${choice} has ${targets.length} branches besides its Default`);
  return targets[0] as string;
}

/** upload's Choice on record-original's `replaced` (and `written`: false ends the execution, nothing new to do). */
const REPLACED_CHOICE = 'Replaced?';
/** upload's Choice on advance-generation's `written`: its Default ends the execution when a later upload was recorded since. */
const CURRENT_CHOICE = 'Current?';

/** The paths the cost model prices, per execution. */
export function pipelinePaths(standardVariants: number, batchesPerBusyFlush: number) {
  return {
    /** A new key: validate, record, not replaced (its Default), start render. */
    upload: countPath(ASL.upload),
    /**
     * A key recorded before (accepted, quarantined or taken down), still its latest upload: each
     * Choice's branch, whatever it is named, so the bill follows asl/upload.asl.json (today: advance
     * its generation, Current?, delete its old variants, start render). The superseded ending is
     * the exception (a later upload of the key pays its own way).
     */
    reupload: countPath(ASL.upload, {
      choices: {
        [REPLACED_CHOICE]: branchOf(ASL.upload, REPLACED_CHOICE, '$.recorded.replaced'),
        [CURRENT_CHOICE]: branchOf(ASL.upload, CURRENT_CHOICE),
      },
    }),
    render: countPath(ASL.render, { mapItems: { RenderVariants: standardVariants } }),
    /** Started without requestedBy (the longer of the two paths). */
    takedown: countPath(ASL.takedown),
    /** A generation's entry at the end of its window, still its latest change: promote, remove, delete the generation's objects. */
    generationExpiry: countPath(ASL.expireFreshness, { choices: { 'Removed?': branchOf(ASL.expireFreshness, 'Removed?') } }),
    /** A deny entry at the end of its window: sweep and remove, one task. */
    denyExpiry: countPath(ASL.expireFreshness, { choices: { 'Denied?': branchOf(ASL.expireFreshness, 'Denied?') } }),
    idleFlush: countPath(ASL.invalidationFlush),
    busyFlush: countPath(ASL.invalidationFlush, {
      choices: { 'AnyBatches?': 'SubmitBatches' },
      mapItems: { SubmitBatches: batchesPerBusyFlush },
    }),
  };
}

export type PipelinePaths = ReturnType<typeof pipelinePaths>;

export function totalInvocations(count: PathCount): number {
  return Object.values(count.invocations).reduce((sum, n) => sum + n, 0);
}
