/** The local pipeline's bounds on executions doing work at once, against the capacity they stand in for. */
import { describe, expect, it } from 'vitest';
import { WORKFLOWS } from '../../workflows/index.ts';
import { EXECUTION_CONCURRENCY, MAX_RUNNING_RENDERS, MAX_RUNNING_UPLOADS, RENDERING_IN_FLIGHT, tasksAtOnce } from './pipeline.ts';
import { LOCAL_RENDER_SLOTS } from './render-capacity.ts';

const workflow = (name: string) => WORKFLOWS.find((w) => w.name === name)!;

describe('the bounds on executions doing work at once', () => {
  it('reads how many tasks a workflow runs at once from its Maps', () => {
    expect(tasksAtOnce(workflow('render'))).toBe(4);
    expect(tasksAtOnce(workflow('upload'))).toBe(1);
  });

  it(`fills RENDERING_IN_FLIGHT (2 × LOCAL_RENDER_SLOTS = ${RENDERING_IN_FLIGHT}) exactly: renders and uploads at their bounds, none past`, () => {
    expect(RENDERING_IN_FLIGHT).toBe(2 * LOCAL_RENDER_SLOTS);
    const renders = (n: number) => n * tasksAtOnce(workflow('render'));
    // At the edge: every bounded execution rendering at once, one invocation per upload, fits.
    expect(renders(MAX_RUNNING_RENDERS) + MAX_RUNNING_UPLOADS).toBe(RENDERING_IN_FLIGHT);
    // Past it: one render more would leave an upload no room; one upload more would not fit.
    expect(renders(MAX_RUNNING_RENDERS + 1)).toBeGreaterThan(RENDERING_IN_FLIGHT - 1);
    expect(renders(MAX_RUNNING_RENDERS) + MAX_RUNNING_UPLOADS + 1).toBeGreaterThan(RENDERING_IN_FLIGHT);
    expect([MAX_RUNNING_RENDERS, MAX_RUNNING_UPLOADS]).toEqual([1, 2]);
  });

  it('bounds upload and render only: a takedown, a flush or an expiry (which waits a day) never waits for a slot', () => {
    expect(EXECUTION_CONCURRENCY).toEqual({ upload: MAX_RUNNING_UPLOADS, render: MAX_RUNNING_RENDERS });
    for (const name of Object.keys(EXECUTION_CONCURRENCY)) expect(JSON.stringify(workflow(name).definition), name).not.toContain('"Type":"Wait"');
  });
});
