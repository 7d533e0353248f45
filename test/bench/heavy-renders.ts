/**
 * Table 7: a burst of heavy renders on the local stack with its render slots
 * (LOCAL_RENDER_SLOTS) against the same burst with a slot per request (the
 * baseline: only node-lambda's workers bound it), each stack in its own process
 * for its peak RSS; and an unrelated render's time alone and beside the slowest
 * accepted decodes.
 */
import { LOCAL_RENDER_SLOTS } from '../../infra/local/render-capacity.ts';
import { runTsChild } from './processes.ts';
import { ratio, type BenchTable } from './table.ts';

interface Outcome {
  readonly baselineRssBytes: number;
  readonly peakRssBytes: number;
  readonly burstMs: number;
  readonly statuses: Record<string, number>;
  readonly aloneMs: number;
  readonly duringMs: number;
  readonly duringStatus: number;
  readonly slowMs: number;
}

const MB = 1024 * 1024;
const CHILD = 'test/bench/heavy-renders-child.ts';

export async function heavyRendersTable(quick: boolean): Promise<BenchTable> {
  const burst = quick ? 4 : 32;
  const runs = [
    { label: `${LOCAL_RENDER_SLOTS} slots (the stack)`, outcome: await runTsChild<Outcome>(CHILD, { renderSlots: LOCAL_RENDER_SLOTS, burst }) },
    { label: `${burst} slots (baseline)`, outcome: await runTsChild<Outcome>(CHILD, { renderSlots: burst, burst }) },
  ];
  const base = runs[1]!.outcome;
  return {
    title: `7. A burst of ${burst} distinct renders of one 50 MP PNG at once, and an unrelated render beside four decodes of a 48 MP JPEG of MAX_JPEG_SCANS scans`,
    columns: ['render slots', 'peak RSS MB', 'vs baseline', 'burst s', 'answers', 'unrelated alone ms', 'beside slow decodes ms', 'slow decodes s'],
    rows: runs.map(({ label, outcome }) => [
      label,
      Math.round(outcome.peakRssBytes / MB),
      ratio(outcome.peakRssBytes - outcome.baselineRssBytes, base.peakRssBytes - base.baselineRssBytes),
      outcome.burstMs / 1000,
      Object.entries(outcome.statuses).map(([status, count]) => `${count}×${status}`).join(' '),
      outcome.aloneMs,
      `${Math.round(outcome.duringMs)} (${outcome.duringStatus})`,
      outcome.slowMs / 1000,
    ]),
    notes: [
      '"vs baseline": the RSS the burst added over the stack at rest, against the baseline\'s. Goal: bounded by the slots, every answer 200 or 503.',
      'Goal: the unrelated render beside the slow decodes within its time alone + MAX_RENDER_SECONDS (10 s).',
    ],
  };
}
