/** The four workflows' executions: status, duration, the failed step and its error, and redrive. */
import type { ExecutionStatus } from '../../executions.ts';
import type { ExecutionSummary } from '../../ops/api.ts';
import { evictedHistory, failure, formatMs, nextStep, steps, subject } from '../../ops/execution-view.ts';
import type { OpsClient } from '../../ops/ops-client.ts';
import { byId, fill, h, messageOf } from './dom.ts';

/** Newest first; the filters find older ones. */
const MAX_ROWS = 100;

export function createExecutionsView(ops: OpsClient, onSettled: () => void) {
  const workflow = byId<HTMLSelectElement>('filter-workflow');
  const status = byId<HTMLSelectElement>('filter-status');
  const result = byId('execution-result');
  let running = new Set<string>();
  /** The execution whose steps are shown, redrawn when its status or redrive count moves. */
  let inspected: { id: string; shown: string } | undefined;

  async function showSteps(id: string) {
    const execution = await ops.execution(id);
    inspected = { id, shown: `${execution.status}/${execution.redriveCount}` };
    fill(
      byId('execution-steps'),
      h(
        'div',
        { class: execution.status === 'FAILED' ? 'result bad' : 'result', 'data-testid': 'execution-steps' },
        h('div', {}, `${execution.stateMachine} ${execution.name}: `, h('span', { class: `status-${execution.status}` }, execution.status), ` · ${subject(execution)}`),
        stepList(execution),
        h('details', {}, h('summary', {}, 'input and output'), h('pre', { class: 'mono' }, JSON.stringify({ input: execution.input, output: execution.output }, null, 2))),
      ),
    );
  }

  function stepList(execution: Awaited<ReturnType<OpsClient['execution']>>) {
    const evicted = evictedHistory(execution);
    if (evicted) return h('p', { class: 'hint', 'data-testid': 'history-evicted' }, evicted);
    return h(
      'ol',
      {},
      ...steps(execution.events).map((step) =>
        h(
          'li',
          {},
          h('b', {}, step.state),
          ` ${step.outcome} in ${formatMs(step.ms)}`,
          step.retries > 0 ? ` after ${step.retries} ${step.retries === 1 ? 'retry' : 'retries'}` : '',
          step.error && step.outcome !== 'succeeded' ? h('div', { class: 'mono' }, step.error) : '',
        ),
      ),
    );
  }

  async function redrive(execution: ExecutionSummary) {
    fill(result, h('div', { class: 'result' }, `redriving ${execution.stateMachine} ${execution.name}…`));
    try {
      await ops.redrive(execution.id);
      const settled = await ops.settled(execution.id);
      const ok = settled.status === 'SUCCEEDED';
      fill(
        result,
        h('div', { class: ok ? 'result' : 'result bad', 'data-testid': 'redrive-result' }, `redrive of ${execution.stateMachine} ${execution.name}: `, h('span', { class: `status-${settled.status}` }, settled.status), ok ? '' : ` · ${failure(settled)}`),
      );
    } catch (err) {
      fill(result, h('div', { class: 'result bad' }, `redrive failed: ${messageOf(err)}`));
    }
    await refresh();
  }

  function row(execution: ExecutionSummary) {
    const failed = execution.status === 'FAILED';
    return h(
      'tr',
      { class: execution.status, 'data-execution': execution.id },
      h('td', {}, execution.stateMachine),
      h('td', { class: 'mono' }, subject(execution)),
      h('td', { class: `status-${execution.status}` }, execution.status, execution.redriveCount > 0 ? h('div', { class: 'hint' }, `redriven ${execution.redriveCount}×`) : ''),
      h('td', {}, new Date(execution.startedAt).toLocaleTimeString()),
      h('td', {}, formatMs(execution.durationMs)),
      h('td', {}, failed ? h('b', {}, execution.failedState ?? '') : '', failed ? h('div', {}, failure(execution)) : '', failed ? h('div', { class: 'hint' }, nextStep(execution)) : ''),
      h('td', {}, button('Steps', () => showSteps(execution.id)), failed ? button('Redrive', () => redrive(execution)) : ''),
    );
  }

  function button(label: string, onClick: () => Promise<void>) {
    const element = h('button', { type: 'button' }, label);
    element.addEventListener('click', () => void onClick().catch((err: unknown) => fill(result, h('div', { class: 'result bad' }, `${label}: ${messageOf(err)}`))));
    return element;
  }

  async function refresh() {
    const list = await ops.executions({ stateMachine: workflow.value || undefined, status: (status.value || undefined) as ExecutionStatus | undefined });
    const hidden = list.length - MAX_ROWS;
    fill(
      byId('executions'),
      ...list.slice(0, MAX_ROWS).map(row),
      hidden > 0 && h('tr', {}, h('td', { colspan: '7', class: 'hint' }, `${hidden} older executions not shown: filter by workflow or status`)),
    );
    // A settled execution changes what the gallery shows (new originals, variants, takedowns).
    const nowRunning = new Set(list.filter((e) => e.status === 'RUNNING').map((e) => e.id));
    if ([...running].some((id) => !nowRunning.has(id))) onSettled();
    const followed = inspected && list.find((e) => e.id === inspected!.id);
    if (followed && (followed.status === 'RUNNING' || `${followed.status}/${followed.redriveCount}` !== inspected!.shown)) await showSteps(followed.id);
    running = nowRunning;
  }

  workflow.addEventListener('change', () => void refresh());
  status.addEventListener('change', () => void refresh());
  byId('flush').addEventListener('click', async () => {
    try {
      const started = await ops.flush();
      const settled = await ops.settled(started.id);
      fill(result, h('div', { class: settled.status === 'SUCCEEDED' ? 'result' : 'result bad' }, `flush ${settled.status}`, settled.status === 'FAILED' ? ` · ${failure(settled)} · ${nextStep(settled)}` : ''));
    } catch (err) {
      fill(result, h('div', { class: 'result bad' }, `flush failed: ${messageOf(err)}`));
    }
    await refresh();
  });

  return { refresh };
}
