import { EXECUTION_STATUSES, type ExecutionStatus, failure, formatMs, nextStep, subject } from '../../../infra/local/ops/index.ts';
import { positiveInteger, report, table, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';

/** Newest first; enough to see what just happened without scrolling. */
export const DEFAULT_EXECUTIONS_LIMIT = 20;

export const executions: Command = {
  summary: 'list workflow executions, newest first: status, duration, the failed step and its error',
  usage: 'executions [--failed | --status S] [--workflow upload|render|takedown|invalidation-flush|expire-freshness] [--limit N]',
  options: { failed: { type: 'boolean' }, status: { type: 'string' }, workflow: { type: 'string' }, limit: { type: 'string' } },
  async run(context, values) {
    if (values.failed && values.status) throw new UsageError('--failed is --status FAILED: give one of them');
    const status = values.failed ? 'FAILED' : (values.status as string | undefined)?.toUpperCase();
    if (status !== undefined && !EXECUTION_STATUSES.includes(status as ExecutionStatus)) throw new UsageError(`--status must be one of ${EXECUTION_STATUSES.join(', ')}`);
    const limit = positiveInteger(values.limit, DEFAULT_EXECUTIONS_LIMIT, '--limit');

    const all = await context.ops.executions({ stateMachine: values.workflow as string | undefined, status: status as ExecutionStatus | undefined });
    const shown = all.slice(0, limit);
    report(context, shown, () => {
      if (shown.length === 0) return [status === 'FAILED' ? 'no failed executions' : 'no executions'];
      const lines = table([
        ['STARTED', 'WORKFLOW', 'STATUS', 'DURATION', 'ORIGINAL', 'FAILED STEP', 'ERROR'],
        ...shown.map((e) => [e.startedAt.slice(11, 19), e.stateMachine, e.status, formatMs(e.durationMs), subject(e), e.failedState ?? '', failure(e)]),
      ]);
      const failed = shown.filter((e) => e.status === 'FAILED');
      if (failed.length > 0) {
        lines.push('', 'to redrive a failed execution (the same operation as the console\'s Redrive button):');
        for (const e of failed) lines.push(`  npm run imgedge -- redrive ${e.id}`, `    ${nextStep(e)}`);
      }
      if (all.length > shown.length) lines.push('', `${all.length - shown.length} older not shown (--limit ${all.length} shows all)`);
      return lines;
    });
  },
};
