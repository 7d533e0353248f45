/**
 * Table 8: what a `fit=cover` crop costs. The same 640×640 box of a 3 MP photo cut three ways:
 * around a stored focal point (a resize and an extract: the cost of a plain centre crop), by
 * libvips' attention strategy (what a cover of an original without a focal point does), and,
 * for scale, fitted inside the box with no crop at all.
 */
import sharp from 'sharp';
import type { OutputFormat, VariantParams } from '../../core/index.ts';
import { renderVariant } from '../../core/transform/index.ts';
import { photoPixels } from '../fixtures/generate.ts';
import { summarize, timeRuns } from './stats.ts';
import { ratio, type BenchTable } from './table.ts';

const FORMATS: readonly OutputFormat[] = ['webp', 'jpeg'];
/** Smart crops may cost this much over a crop around a stored focal point (the on-miss latency budget's share). */
const SMART_GOAL = 1.2;

export async function coverCropsTable(quick: boolean): Promise<BenchTable> {
  const [width, height] = quick ? [800, 533] : [2121, 1414];
  const source = await sharp(photoPixels(width, height), { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  const side = quick ? 256 : 640;
  const iterations = quick ? 1 : 15;
  const rows: Array<Array<string | number>> = [];
  let worst = 0;
  for (const fmt of FORMATS) {
    const box: VariantParams = { fmt, q: 75, w: side, h: side };
    const time = async (params: VariantParams, focus?: { x: number; y: number }) => summarize(await timeRuns(() => renderVariant(source, params, focus), iterations)).p50;
    const focal = await time({ ...box, fit: 'cover' }, { x: 0.5, y: 0.5 });
    const smart = await time({ ...box, fit: 'cover' });
    const inside = await time(box);
    worst = Math.max(worst, smart / focal);
    rows.push([`${fmt}, cover around a focal point`, focal, '1.00×'], [`${fmt}, cover, smart (attention)`, smart, ratio(smart, focal)], [`${fmt}, inside (no crop)`, inside, ratio(inside, focal)]);
  }
  return {
    title: `8. Cover crops: a ${side}×${side} box of a ${width}×${height} JPEG, p50 of ${iterations} run(s)`,
    columns: ['render', 'p50 ms', 'vs focal point'],
    rows,
    notes: [`Goal: a smart crop within ${SMART_GOAL}× a crop around a stored focal point; worst ${worst.toFixed(2)}×: ${worst <= SMART_GOAL ? 'met' : 'missed'}.`],
  };
}
