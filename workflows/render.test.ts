import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../infra/local/asl-interpreter.ts';
import { TaskError } from '../tasks/shared/errors.ts';
import { render } from './render.ts';
import { eventsOfType, failingFirst, stubs } from '../test/support/workflows.ts';

const input = { tenant: 'demo', path: 'samples/cat', key: 'demo/samples/cat.jpg', etag: 'etag-1', generation: 'k3j2x9m4' };
const variants = [256, 640, 1080, 1920].flatMap((w) =>
  ['avif', 'webp', 'jpeg'].map((fmt) => ({ tenant: 'demo', path: 'samples/cat', params: { w, fmt, q: 75 } })),
);
const variantKey = ({ params }: { params: { w: number; fmt: string } }) => `demo/samples/cat.jpg/w${params.w}.${params.fmt}`;
const rendered = (variant: (typeof variants)[number]) => ({ key: variantKey(variant), status: 'created' });

function renderer(renderVariant: (variant: (typeof variants)[number]) => unknown) {
  return stubs({ PlanVariants: () => ({ variants }), RenderVariant: renderVariant });
}

const run = (handlers: ReturnType<typeof stubs>['handlers']) =>
  runWorkflow(render.definition, input, { handlers, executionName: 'render-abc', retryIntervalMs: 0 });

describe('render', () => {
  it('plans the variants and renders each one', async () => {
    const tasks = renderer(rendered);
    const result = await run(tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.inputOf('PlanVariants')).toEqual({ tenant: 'demo', path: 'samples/cat', key: input.key, executionName: 'render-abc' });
    const renderInputs = tasks.calls.filter((call) => call.state === 'RenderVariant').map((call) => call.input);
    expect(renderInputs).toHaveLength(12);
    expect(renderInputs).toEqual(expect.arrayContaining(variants.map((variant) => ({ ...variant, etag: 'etag-1', generation: 'k3j2x9m4', executionName: 'render-abc' }))));
    expect(result.output).toMatchObject({ rendered: { anyFailed: false, variants: variants.map((v) => ({ ...rendered(v), failed: false })) } });
  });

  it('succeeds on a replay that finds every variant already rendered', async () => {
    const tasks = renderer((variant) => ({ key: variantKey(variant), status: 'exists' }));
    const result = await run(tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ rendered: { anyFailed: false } });
  });

  it('renders at most 4 variants at a time', async () => {
    let running = 0;
    let peak = 0;
    const tasks = renderer(async (variant) => {
      peak = Math.max(peak, ++running);
      await new Promise((resolve) => setTimeout(resolve, 10));
      running--;
      return rendered(variant);
    });
    await run(tasks.handlers);

    expect(peak).toBe(4);
  });

  it('renders all the others when one variant fails, then fails listing it', async () => {
    const broken = variants[4]!;
    const tasks = renderer((variant) => {
      if (variant.params.w === broken.params.w && variant.params.fmt === broken.params.fmt) {
        throw new TaskError('States.TaskFailed', 'avif encoder crashed');
      }
      return rendered(variant);
    });
    const result = await run(tasks.handlers);

    expect(result).toMatchObject({ status: 'FAILED', error: 'SomeVariantsFailed' });
    expect(tasks.called().filter((state) => state === 'RenderVariant')).toHaveLength(12);
    expect(JSON.parse(result.cause!)).toEqual([broken.params]);
    const recorded = eventsOfType(result, 'StateExited').filter((event) => event.state.name === 'RecordFailure');
    expect(recorded.map((event) => event.state.output)).toEqual([
      expect.objectContaining({ failed: true, params: broken.params, error: expect.objectContaining({ Error: 'States.TaskFailed' }) }),
    ]);
  });

  it('retries a transient error of a variant, then succeeds', async () => {
    const flaky = failingFirst([new TaskError('OriginsUnavailable', 'every region failed')], rendered);
    const tasks = renderer((variant) => (variant === variants[0] ? rendered(variant) : flaky(variant)));
    const result = await run(tasks.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(tasks.called().filter((state) => state === 'RenderVariant')).toHaveLength(13);
    expect(eventsOfType(result, 'StateRetried').map((event) => event.state.name)).toEqual(['RenderVariant']);
  });
});
