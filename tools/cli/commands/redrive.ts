import { failure, formatMs, nextStep, OperationFailed, type OpsClient, withoutEvents } from '../../../infra/local/ops/index.ts';
import { report, type Command } from '../command.ts';
import { OperationIncomplete, UsageError } from '../errors.ts';

export const redrive: Command = {
  summary: 'run a failed execution again (same name and input) and wait for it to settle',
  usage: 'redrive <execution id or name>',
  options: {},
  async run(context, _values, positionals) {
    const [given, ...extra] = positionals;
    if (!given || extra.length > 0) throw new UsageError('redrive takes one execution: its id (arn:aws:states:…) or name, as `executions --failed` lists them');
    const id = await resolveExecution(context.ops, given);
    try {
      await context.ops.redrive(id);
    } catch (err) {
      if (err instanceof OperationFailed && err.status === 404) throw new UsageError(`no execution ${given}: list them with npm run imgedge -- executions`);
      throw err;
    }
    const settled = await context.ops.settled(id);
    const summary = withoutEvents(settled);
    report(context, summary, () => [
      `redrive ${settled.redriveCount} of ${settled.stateMachine} ${settled.name}: ${settled.status} in ${formatMs(settled.durationMs)}`,
      ...(settled.status === 'FAILED' ? [`  failed at ${settled.failedState ?? '?'}: ${failure(settled)}`, `  ${nextStep(settled)}`] : []),
    ]);
    if (settled.status === 'FAILED') throw new OperationIncomplete(`${settled.stateMachine} ${settled.name} failed again`);
  },
};

/** An execution id as given, or the id of the one execution with this name. */
async function resolveExecution(ops: OpsClient, given: string): Promise<string> {
  if (given.startsWith('arn:')) return given;
  const named = (await ops.executions()).filter((e) => e.name === given);
  if (named.length === 1) return named[0]!.id;
  if (named.length === 0) throw new UsageError(`no execution named ${given}: list them with npm run imgedge -- executions`);
  throw new UsageError(`${named.length} executions are named ${given}: give the id (arn:aws:states:…) instead`);
}
