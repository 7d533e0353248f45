import { failure, formatMs, nextStep, withoutEvents } from '../../../infra/local/ops/index.ts';
import { report, type Command } from '../command.ts';
import { OperationIncomplete } from '../errors.ts';

export const flush: Command = {
  summary: 'submit the queued invalidation paths now (the schedule does it every minute) and show them against the quotas',
  usage: 'flush',
  options: {},
  async run(context) {
    const before = await context.ops.stats();
    const started = await context.ops.flush();
    const settled = await context.ops.settled(started.id);
    const after = (await context.ops.stats()).pipeline.invalidations;
    const sent = {
      invalidations: after.submitted - before.pipeline.invalidations.submitted,
      paths: after.pathsSubmitted - before.pipeline.invalidations.pathsSubmitted,
      wildcards: after.wildcardsSubmitted - before.pipeline.invalidations.wildcardsSubmitted,
    };
    const summary = withoutEvents(settled);
    report(context, { execution: summary, submitted: sent, inFlight: after.inFlight, quotas: after.quotas }, () => [
      `flush ${settled.name}: ${settled.status} in ${formatMs(settled.durationMs)}`,
      `  submitted   ${sent.invalidations} invalidations, ${sent.paths} paths (${sent.wildcards} wildcards)`,
      `  in flight   ${after.inFlight.paths} / ${after.quotas.paths} paths, ${after.inFlight.wildcards} / ${after.quotas.wildcards} wildcards (CloudFront's quotas)`,
      ...(settled.status === 'FAILED' ? [`  failed at ${settled.failedState ?? '?'}: ${failure(settled)}`, `  ${nextStep(settled)}`] : []),
    ]);
    if (settled.status === 'FAILED') throw new OperationIncomplete('the flush failed; the paths stay queued');
  },
};
