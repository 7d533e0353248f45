/**
 * Table 2: pre-rendering the standard variants of one original. N independent
 * renders (what the render workflow does: one task per variant), a pyramid
 * (decode once, each smaller width resized from the previous one's pixels, each
 * format encoded from those), and the largest variant alone, for scale. Also
 * whether the pyramid's bytes equal the independent renders': the edge renders
 * a missing variant independently, and a variant must be the same bytes
 * whichever path rendered it.
 */
import sharp, { type Sharp } from 'sharp';
import { DEFAULT_QUALITY, type OutputFormat, STANDARD_WIDTHS } from '../../core/index.ts';
import { renderVariant } from '../../core/transform/index.ts';
import { ENCODERS } from '../../core/transform/encoders.ts';
import type { RenderPlan } from '../../core/transform/context.ts';
import { photoPixels } from '../fixtures/generate.ts';
import { summarize, timeRuns } from './stats.ts';
import { ratio, type BenchTable } from './table.ts';

const FORMATS: readonly OutputFormat[] = ['avif', 'webp', 'jpeg'];
const LADDER_GOAL = 2;

const plan = (format: OutputFormat, width: number): RenderPlan => ({
  format,
  quality: DEFAULT_QUALITY,
  animated: false,
  palette: false,
  box: { width, height: 4096, fit: 'inside' },
  background: '#ffffff',
  crop: 'centre',
});

export async function independent(source: Buffer, widths: readonly number[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const w of widths) for (const fmt of FORMATS) out.push((await renderVariant(source, { w, fmt, q: DEFAULT_QUALITY })).body);
  return out;
}

/** Widths largest first; each level's pixels feed the next level and every format's encode. */
async function pyramid(source: Buffer, widths: readonly number[]): Promise<Buffer[]> {
  const byWidth = new Map<number, Buffer[]>();
  let level: Sharp = sharp(source).rotate();
  for (const w of [...widths].sort((a, b) => b - a)) {
    const { data, info } = await level.resize({ width: w, withoutEnlargement: true }).raw().toBuffer({ resolveWithObject: true });
    const pixels = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
    // One encode at a time, as `independent` does: the comparison is the pipeline, not parallelism.
    const encoded: Buffer[] = [];
    for (const fmt of FORMATS) encoded.push(await ENCODERS[fmt](pixels(), plan(fmt, w)).toBuffer());
    byWidth.set(w, encoded);
    level = pixels();
  }
  return widths.flatMap((w) => byWidth.get(w) as Buffer[]);
}

export async function pyramidTable(quick: boolean): Promise<BenchTable> {
  const [width, height] = quick ? [800, 533] : [2121, 1414]; // 3 MP, the pipeline's reference upload
  const source = await sharp(photoPixels(width, height), { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  const widths = quick ? STANDARD_WIDTHS.slice(0, 2) : STANDARD_WIDTHS;
  const largest = widths[widths.length - 1] as number;
  const iterations = quick ? 1 : 5;

  const independentRuns = summarize(await timeRuns(() => independent(source, widths), iterations));
  const pyramidRuns = summarize(await timeRuns(() => pyramid(source, widths), iterations));
  const largestRuns = summarize(await timeRuns(() => independent(source, [largest]), iterations));
  const [a, b] = [await independent(source, widths), await pyramid(source, widths)];
  const identical = a.filter((bytes, i) => bytes.equals(b[i] as Buffer)).length;

  const variants = widths.length * FORMATS.length;
  const row = (name: string, s: ReturnType<typeof summarize>, count: number, same: string) => [name, count, s.p50, ratio(s.p50, largestRuns.p50), same];
  return {
    title: `2. Pre-render: the standard ladder (${widths.join(', ')} × ${FORMATS.join(', ')}) of a ${width}×${height} JPEG, ${iterations} run(s)`,
    columns: ['approach', 'variants', 'p50 ms', 'vs largest alone', 'same bytes as the edge'],
    rows: [
      row(`largest alone (${largest} px)`, largestRuns, FORMATS.length, 'yes'),
      row('N independent renders', independentRuns, variants, 'yes'),
      row('pyramid (one decode)', pyramidRuns, variants, `${identical} of ${variants}`),
    ],
    notes: [
      `Goal: the whole ladder in ≤ ${LADDER_GOAL}× the time of its largest variant (the largest width in all ${FORMATS.length} formats).`,
      'The render task keeps independent renders unless the pyramid is both faster and byte-identical: the edge renders a miss independently.',
    ],
  };
}
