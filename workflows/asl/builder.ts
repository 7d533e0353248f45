/**
 * A small typed builder for Amazon States Language definitions.
 *
 * Why not a library: the only maintained ASL type packages are loose (`asl-types`,
 * and the `StateMachineDefinition` aws-local-stepfunctions exports): `Next` is any
 * string, so a typo in a transition surfaces at deploy time or in the middle of an
 * execution. aws-cdk-lib's builder catches it but is far too heavy for this repo.
 * Here `Next`, `Default` and `Catch[].Next` are typed as the keys of the graph they
 * live in (a typo does not compile), and `stateGraph` checks the same at generation
 * time, together with what types cannot see: every state reachable from `StartAt`,
 * state names unique across the whole machine (the local runner binds tasks by name).
 * The definitions stay plain ASL objects: what you read in a module is the JSON.
 */
import type { ItemProcessor, Payload, State, StateGraph, StateMachineDefinition } from './types.ts';

type StatesOf<S> = { [K in keyof S]: State<Extract<keyof S, string>> };
type GraphOf<S> = { StartAt: NoInfer<Extract<keyof S, string>>; States: S };

export function stateMachine<S extends StatesOf<S>>(
  machine: GraphOf<S> & { Comment: string; TimeoutSeconds: number },
): StateMachineDefinition {
  const { Comment, StartAt, TimeoutSeconds, States } = machine;
  const definition = { Comment, StartAt, TimeoutSeconds, States: States as Record<string, State> };
  checkGraph(definition);
  const names = allStates(definition).map(([name]) => name);
  const duplicates = names.filter((name, i) => names.indexOf(name) !== i);
  if (duplicates.length > 0) throw new Error(`state names used twice: ${duplicates.join(', ')}`);
  return definition;
}

/** An inline Map's ItemProcessor: its states transition only among themselves. */
export function itemProcessor<S extends StatesOf<S>>(graph: GraphOf<S>): ItemProcessor {
  const processor = { ProcessorConfig: { Mode: 'INLINE' as const }, StartAt: graph.StartAt, States: graph.States as Record<string, State> };
  checkGraph(processor);
  return processor;
}

/** Every state of a graph, those of Map item processors included, as [name, state]. */
export function allStates(graph: StateGraph): [string, State][] {
  return Object.entries(graph.States).flatMap(([name, state]): [string, State][] => [
    [name, state],
    ...(state.Type === 'Map' ? allStates(state.ItemProcessor) : []),
  ]);
}

/** `{ "a.$": "<path>.a", … }`: copies named fields of the object at `path` into a payload. */
export function fieldsAt(path: string, fields: readonly string[]): Payload {
  return Object.fromEntries(fields.map((field) => [`${field}.$`, `${path}.${field}`]));
}

function transitions(state: State): string[] {
  switch (state.Type) {
    case 'Succeed':
    case 'Fail':
      return [];
    case 'Choice':
      return [...state.Choices.map((rule) => rule.Next), ...(state.Default ? [state.Default] : [])];
    case 'Pass':
    case 'Wait':
      return state.Next ? [state.Next] : [];
    case 'Task':
    case 'Map':
      return [...(state.Next ? [state.Next] : []), ...(state.Catch ?? []).map((catcher) => catcher.Next)];
  }
}

function checkGraph(graph: StateGraph): void {
  const problems: string[] = [];
  const exists = (name: string) => Object.hasOwn(graph.States, name);
  if (!exists(graph.StartAt)) problems.push(`StartAt names no state: ${graph.StartAt}`);
  for (const [name, state] of Object.entries(graph.States)) {
    for (const target of transitions(state)) {
      if (!exists(target)) problems.push(`${name} goes to a state that does not exist: ${target}`);
    }
  }
  const reached = new Set<string>();
  const queue = exists(graph.StartAt) ? [graph.StartAt] : [];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (reached.has(name) || !exists(name)) continue;
    reached.add(name);
    queue.push(...transitions(graph.States[name]!));
  }
  const unreachable = Object.keys(graph.States).filter((name) => !reached.has(name));
  if (unreachable.length > 0) problems.push(`unreachable from ${graph.StartAt}: ${unreachable.join(', ')}`);
  if (problems.length > 0) throw new Error(`invalid state graph:\n  ${problems.join('\n  ')}`);
}
