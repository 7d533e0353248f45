/** The console page's script: polls the stack every second and wires the forms to the operations surface. */
import { createOpsClient, StackUnreachable } from '../../ops/ops-client.ts';
import { byId, messageOf } from './dom.ts';
import { createExecutionsView } from './executions.ts';
import { createOriginalsView } from './originals.ts';
import { createStatsView } from './stats.ts';

const POLL_MS = 1000;

const ops = createOpsClient('');
const banner = byId('banner');
const notice = byId('notice');
const stats = createStatsView();
const originals = createOriginalsView(ops, () => void guarded(originals.refresh)());
const executions = createExecutionsView(ops, () => void guarded(originals.refresh)());

/** Runs `task`; a failure shows in the banner (the stack stopped, or answered an error) instead of vanishing. */
function guarded(task: () => Promise<void>) {
  return async () => {
    try {
      await task();
      banner.classList.remove('shown');
    } catch (err) {
      banner.textContent =
        err instanceof StackUnreachable ? `lost the local stack at ${location.origin}: is npm start still running? (retrying every second)` : messageOf(err);
      banner.classList.add('shown');
    }
  };
}

const tick = guarded(async () => {
  const [current, faults] = await Promise.all([ops.stats(), ops.faults(), executions.refresh()]);
  stats.show(current, faults);
  notice.textContent = current.pipeline.notice ?? '';
  notice.hidden = current.pipeline.notice === undefined;
});

void guarded(originals.refresh)();
void tick();
setInterval(() => void tick(), POLL_MS);
