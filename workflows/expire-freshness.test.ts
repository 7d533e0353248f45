import { describe, expect, it } from 'vitest';
import { DENIED, FRESHNESS_WINDOW_SECONDS } from '../core/index.ts';
import * as spelled from './expire-freshness.ts';
import { runWorkflow } from '../infra/local/asl-interpreter.ts';
import { OriginalPresent } from '../tasks/shared/errors.ts';
import { stubs, throws } from '../test/support/workflows.ts';
import { expireFreshness, REMOVAL_PROPAGATION_SECONDS } from './expire-freshness.ts';

const original = { tenant: 'demo', key: 'demo/samples/cat.jpg' };
const NAME = 'expire-0123';

function steps(removed = true, overrides: Parameters<typeof stubs>[0] = {}) {
  return stubs({
    RemoveDenyEntry: () => ({ slotKey: 's:0a1b', id: '0123456789ab', removed }),
    PromoteGeneration: () => ({ promoted: 12, deleted: 1 }),
    RemoveEntry: () => ({ slotKey: 's:0a1b', id: '0123456789ab', removed }),
    DeleteGenerationVariants: () => ({ deleted: 12, paths: [] }),
    ...overrides,
  });
}

const run = (token: string, handlers: ReturnType<typeof stubs>['handlers']) =>
  runWorkflow(expireFreshness.definition, { ...original, token }, { handlers, executionName: NAME, retryIntervalMs: 0, waitMs: 0 });

const waits = () =>
  Object.fromEntries(Object.entries(expireFreshness.definition.States).flatMap(([name, state]) => (state.Type === 'Wait' ? [[name, state.Seconds]] : [])));

describe('expire-freshness', () => {
  it("spells the contract's window and deny token as core/contract/freshness.ts has them", () => {
    expect({ window: spelled.FRESHNESS_WINDOW_SECONDS, denied: spelled.DENIED }).toEqual({ window: FRESHNESS_WINDOW_SECONDS, denied: DENIED });
  });

  it('waits the freshness window before touching anything, and the propagation margin before deleting the generation', () => {
    expect(expireFreshness.definition.StartAt).toBe('WaitForWindow');
    expect(waits()).toEqual({ WaitForWindow: FRESHNESS_WINDOW_SECONDS, WaitForEdges: REMOVAL_PROPAGATION_SECONDS });
  });

  it('promotes a generation to the plain names, removes its entry, then deletes its own objects', async () => {
    const tasks = steps();
    const result = await run('k3j2x9m4', tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.called()).toEqual(['PromoteGeneration', 'RemoveEntry', 'DeleteGenerationVariants']);
    const input = { ...original, executionName: NAME };
    expect(tasks.inputOf('PromoteGeneration')).toEqual({ ...input, token: 'k3j2x9m4', requestId: NAME });
    expect(tasks.inputOf('RemoveEntry')).toEqual({ ...input, token: 'k3j2x9m4', requestId: NAME });
    expect(tasks.inputOf('DeleteGenerationVariants')).toEqual({ ...input, only: 'k3j2x9m4', requestId: `${NAME}:generation` });
  });

  it("leaves a later change's entry and the objects it may still serve: the later change's expiry takes over", async () => {
    const tasks = steps(false);
    const result = await run('k3j2x9m4', tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.called()).toEqual(['PromoteGeneration', 'RemoveEntry']);
  });

  it('removes a deny entry (which sweeps the variants first), copying nothing', async () => {
    const tasks = steps();
    const result = await run(DENIED, tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.called()).toEqual(['RemoveDenyEntry']);
    expect(tasks.inputOf('RemoveDenyEntry')).toEqual({ ...original, token: DENIED, requestId: NAME, executionName: NAME });
  });

  it('fails, the deny entry kept, when the taken-down original is back in a region: for a person, never retried', async () => {
    const tasks = steps(true, { RemoveDenyEntry: throws(new OriginalPresent(original.key, ['eu-west-1'])) });
    const result = await run(DENIED, tasks.handlers);

    expect(result).toMatchObject({ status: 'FAILED', error: 'OriginalPresent', failedState: 'RemoveDenyEntry' });
    expect(JSON.parse(result.cause!)).toMatchObject({ errorMessage: expect.stringContaining('present in eu-west-1') });
    expect(tasks.called()).toEqual(['RemoveDenyEntry']);
  });

});
