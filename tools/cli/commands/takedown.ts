import { parseOriginalKey } from '../../../core/index.ts';
import { failure, formatMs, nextStep, takedownReport, withoutEvents } from '../../../infra/local/ops/index.ts';
import { report, type Command } from '../command.ts';
import { OperationIncomplete, UsageError } from '../errors.ts';

export const takedown: Command = {
  summary: 'take an original down: deny-list entry first (451 at once), deletions in every region, invalidation queued',
  usage: 'takedown <tenant/path.ext> --reason "…" [--requested-by WHO]',
  options: { reason: { type: 'string' }, 'requested-by': { type: 'string' } },
  async run(context, values, positionals) {
    const [key, ...extra] = positionals;
    if (!key || extra.length > 0) throw new UsageError('takedown takes one original key, {tenant}/{path}.{ext}, e.g. demo/samples/landscape.jpg');
    const original = parseOriginalKey(key);
    if (!original) throw new UsageError(`${key} is not an original key: expected {tenant}/{path}.{ext}, e.g. demo/samples/landscape.jpg`);
    const reason = values.reason as string | undefined;
    if (!reason?.trim()) throw new UsageError('takedown needs --reason: why it is taken down (1–256 characters, kept in the deny-list entry and the audit record)');

    const started = await context.ops.takedown({ tenant: original.tenant, key, reason, requestedBy: values['requested-by'] as string | undefined });
    const settled = await context.ops.settled(started.id);
    const summary = withoutEvents(settled);
    const steps = takedownReport(settled);
    report(context, summary, () => {
      const lines = [`takedown ${settled.name} of ${key}: ${settled.status} in ${formatMs(settled.durationMs)}`];
      if (steps.denied) lines.push(`  deny-list entry  ${steps.denied.slotKey} ${steps.denied.id}=!  "${steps.reason}"  since ${steps.denied.at}: viewers get 451`);
      if (steps.originals) lines.push(`  original         ${Object.entries(steps.originals.regions).map(([region, outcome]) => `${region} ${outcome}`).join(' · ')}`);
      if (steps.variants) lines.push(`  variants         ${steps.variants.deleted} deleted`);
      if (steps.invalidation) {
        lines.push(`  invalidation     ${steps.invalidation.enqueued} paths queued (${steps.invalidation.alreadyQueued} already queued): the next flush submits them (npm run imgedge -- flush)`);
      }
      if (settled.status === 'FAILED') lines.push(`  failed at ${settled.failedState ?? '?'}: ${failure(settled)}`, `  ${nextStep(settled)}: npm run imgedge -- redrive ${settled.id}`);
      return lines;
    });
    if (settled.status === 'FAILED') throw new OperationIncomplete(`the takedown of ${key} did not finish`);
  },
};
