import { describe, expect, it } from 'vitest';
import { lambdaTask } from '../common.ts';
import { allStates, fieldsAt, itemProcessor, stateMachine } from './builder.ts';

const machine = { Comment: 'test', TimeoutSeconds: 60 };

// Each bad graph below must fail twice: `@ts-expect-error` fails tsc if it stops being a
// type error, and the builder throws at generation for definitions built around the types.
describe('stateMachine', () => {
  it('refuses a transition to a state that does not exist', () => {
    expect(() =>
      stateMachine({
        ...machine,
        StartAt: 'A',
        // @ts-expect-error Nope is not a state
        States: { A: { Type: 'Pass', Next: 'Nope' } },
      }),
    ).toThrow(/A goes to a state that does not exist: Nope/);
  });

  it('refuses a Catch to a state that does not exist', () => {
    expect(() =>
      stateMachine({
        ...machine,
        StartAt: 'A',
        States: {
          // @ts-expect-error Nope is not a state
          A: {
            ...lambdaTask('some-task', { Parameters: {}, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Nope' }] }),
            End: true,
          },
        },
      }),
    ).toThrow(/A goes to a state that does not exist: Nope/);
  });

  it('refuses a StartAt that names no state', () => {
    // @ts-expect-error B is not a state
    expect(() => stateMachine({ ...machine, StartAt: 'B', States: { A: { Type: 'Succeed' } } })).toThrow(
      /StartAt names no state: B/,
    );
  });

  it('refuses a state nothing leads to', () => {
    expect(() =>
      stateMachine({ ...machine, StartAt: 'A', States: { A: { Type: 'Succeed' }, Orphan: { Type: 'Succeed' } } }),
    ).toThrow(/unreachable from A: Orphan/);
  });

  it('refuses a Map item processor reaching out of itself', () => {
    expect(() =>
      itemProcessor({
        StartAt: 'Inner',
        // @ts-expect-error Outer is not a state of the processor
        States: { Inner: { Type: 'Pass', Next: 'Outer' } },
      }),
    ).toThrow(/Inner goes to a state that does not exist: Outer/);
  });

  it('refuses a state name used twice across a Map', () => {
    expect(() =>
      stateMachine({
        ...machine,
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemProcessor: itemProcessor({ StartAt: 'Each', States: { Each: { Type: 'Succeed' } } }),
            End: true,
          },
        },
      }),
    ).toThrow(/state names used twice: Each/);
  });

  it('lists the states of Map item processors with the others', () => {
    const definition = stateMachine({
      ...machine,
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemProcessor: itemProcessor({ StartAt: 'Inner', States: { Inner: { Type: 'Succeed' } } }),
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });
    expect(allStates(definition).map(([name]) => name)).toEqual(['Each', 'Inner', 'Done']);
  });
});

describe('fieldsAt', () => {
  it('copies named fields of an object into a payload', () => {
    expect(fieldsAt('$.original', ['tenant', 'key'])).toEqual({ 'tenant.$': '$.original.tenant', 'key.$': '$.original.key' });
  });
});
