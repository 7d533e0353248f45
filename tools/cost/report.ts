/** The cost and the quotas of one set of assumptions, as the CLI prints them (text or JSON). */
import type { Assumptions } from './assumptions.ts';
import { MEASURED, type MeasuredName } from './measured.ts';
import { costModel, type CostModel } from './model.ts';
import { PRICES_DATE } from './prices.ts';
import { breaksFirst, cellsFor, checkQuotas, firstExceeded, freshnessAtPeak, type CellsNeeded, type FreshnessAtPeak, type QuotaCheck } from './quotas.ts';

export interface Report {
  readonly pricesDate: string;
  /** Measured inputs still at their provisional value in this run (not given on the command line). */
  readonly provisional: readonly MeasuredName[];
  readonly cost: CostModel;
  readonly quotas: readonly QuotaCheck[];
  readonly breaksFirst: QuotaCheck | undefined;
  readonly firstExceeded: QuotaCheck | undefined;
  /** The busiest cell's KeyValueStore at peak: live entries, bytes, slot load. */
  readonly freshness: FreshnessAtPeak;
  /** The cells the per-distribution and per-shield-Region quotas need for a headroom of 1.5 (modelled, not deployed yet). */
  readonly cellsNeeded: CellsNeeded;
}

export function report(a: Assumptions, overridden: ReadonlySet<keyof Assumptions>): Report {
  const quotas = checkQuotas(a);
  const cost = costModel(a);
  const provisional = (Object.keys(MEASURED) as MeasuredName[]).filter((name) => MEASURED[name].provisional && !overridden.has(name));
  return {
    pricesDate: PRICES_DATE,
    provisional,
    cost,
    quotas,
    breaksFirst: breaksFirst(quotas),
    firstExceeded: firstExceeded(quotas),
    freshness: freshnessAtPeak(cost.daily, a),
    cellsNeeded: cellsFor(a),
  };
}
