/**
 * The traffic counters of /_local/stats across restarts: what a stopped process
 * had counted is kept in a file (written whole every few seconds and on stop)
 * and added to what this one counts. A crash loses at most the last interval,
 * as a metric's last datapoint would be.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeWholeSync } from './whole-file.ts';

/** How often the counters are written while they change. */
export const COUNTERS_SAVE_EVERY_MS = 5_000;

/** Numbers, and objects of them, by name. */
export type Counters = { readonly [name: string]: number | Counters };

export function keptCounters<C extends Counters>(file: string, live: () => C) {
  const base = (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}) as Counters;
  const total = (): C => sum(live(), base) as C;
  let written = JSON.stringify(base);
  const save = () => {
    const text = JSON.stringify(total());
    if (text === written) return;
    writeWholeSync(file, text);
    written = text;
  };
  const timer = setInterval(save, COUNTERS_SAVE_EVERY_MS).unref();
  return {
    /** What this process counted, plus what the ones before it did. */
    total,
    /** Writes them a last time (on stop). */
    close() {
      clearInterval(timer);
      save();
    },
  };
}

function sum(a: Counters, b: Counters): Counters {
  const out: Record<string, number | Counters> = { ...b };
  for (const [name, value] of Object.entries(a)) {
    const other = b[name];
    if (typeof value === 'number') out[name] = value + (typeof other === 'number' ? other : 0);
    else out[name] = sum(value, typeof other === 'object' ? other : {});
  }
  return out;
}
