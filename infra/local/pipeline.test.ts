/** The local pipeline's bounds on executions doing work at once, against the capacity they stand in for. */
import { describe, expect, it } from 'vitest';
import { WORKFLOWS } from '../../workflows/index.ts';
import { EXECUTION_CONCURRENCY, executionConcurrency, MAX_RUNNING_RENDERS, MAX_RUNNING_UPLOADS, RENDERING_IN_FLIGHT, renderingInFlight, tasksAtOnce } from './pipeline.ts';
import { LOCAL_RENDER_SLOTS } from './render-capacity.ts';
import { startLocalStack } from './stack.ts';

const workflow = (name: string) => WORKFLOWS.find((w) => w.name === name)!;
const renders = (n: number) => n * tasksAtOnce(workflow('render'));

describe('the bounds on executions doing work at once', () => {
  it('reads how many tasks a workflow runs at once from its Maps', () => {
    expect(tasksAtOnce(workflow('render'))).toBe(4);
    expect(tasksAtOnce(workflow('upload'))).toBe(1);
  });

  it(`fills RENDERING_IN_FLIGHT (2 × LOCAL_RENDER_SLOTS = ${RENDERING_IN_FLIGHT}) exactly: renders and uploads at their bounds, none past`, () => {
    expect(RENDERING_IN_FLIGHT).toBe(2 * LOCAL_RENDER_SLOTS);
    // At the edge: every bounded execution rendering at once, one invocation per upload, fits.
    expect(renders(MAX_RUNNING_RENDERS) + MAX_RUNNING_UPLOADS).toBe(RENDERING_IN_FLIGHT);
    // Past it: one render more would leave an upload no room; one upload more would not fit.
    expect(renders(MAX_RUNNING_RENDERS + 1)).toBeGreaterThan(RENDERING_IN_FLIGHT - 1);
    expect(renders(MAX_RUNNING_RENDERS) + MAX_RUNNING_UPLOADS + 1).toBeGreaterThan(RENDERING_IN_FLIGHT);
    expect([MAX_RUNNING_RENDERS, MAX_RUNNING_UPLOADS]).toEqual([1, 2]);
  });

  it('derives the same bounds for any slot count: the defaults are those of LOCAL_RENDER_SLOTS', () => {
    expect(executionConcurrency(LOCAL_RENDER_SLOTS)).toEqual(EXECUTION_CONCURRENCY);
    for (const slots of [3, 4, 5, 8, 32]) {
      const inFlight = renderingInFlight(slots);
      const { render, upload } = executionConcurrency(slots);
      expect(inFlight, `${slots} slots`).toBe(2 * slots);
      expect(renders(render) + upload, `${slots} slots`).toBe(inFlight);
      expect(renders(render + 1), `${slots} slots`).toBeGreaterThan(inFlight - 1);
      expect(upload, `${slots} slots`).toBeGreaterThanOrEqual(1);
    }
    expect(executionConcurrency(32)).toEqual({ render: 15, upload: 4 });
    // Fewer slots than one render's Map takes: one of each still runs (nothing would otherwise).
    expect(executionConcurrency(1)).toEqual({ render: 1, upload: 1 });
    expect(executionConcurrency(2)).toEqual({ render: 1, upload: 1 });
  });

  it('bounds upload and render only: a takedown, a flush or an expiry (which waits a day) never waits for a slot', () => {
    expect(EXECUTION_CONCURRENCY).toEqual({ upload: MAX_RUNNING_UPLOADS, render: MAX_RUNNING_RENDERS });
    for (const name of Object.keys(EXECUTION_CONCURRENCY)) expect(JSON.stringify(workflow(name).definition), name).not.toContain('"Type":"Wait"');
  });

  it("runs the stack's pipeline with the bounds of the stack's render slots (renderSlots), not the default's", async () => {
    const stack = await startLocalStack({ pipeline: { startUploadOnObjectCreated: false, flushEveryMs: 0 }, renderSlots: 8 });
    try {
      expect(stack.stats().renderSlots.slots).toBe(8);
      expect(stack.pipeline.concurrency).toEqual(executionConcurrency(8));
      expect(stack.pipeline.concurrency).not.toEqual(EXECUTION_CONCURRENCY);
    } finally {
      await stack.stop();
    }
  });
});
