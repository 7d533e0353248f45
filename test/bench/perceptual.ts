/**
 * Table 9: bytes at equal perceptual quality. Each pipeline renders the same width of the same
 * original at a sweep of its quality knob; butteraugli (Google's, Debian's `butteraugli`) scores
 * each against the original resized losslessly (lower is closer). The target is the score of
 * imgedge's default (q=75); each pipeline's bytes at that score are read off its sweep (linear
 * between the two points around it). Peers: the sharp calls and defaults of aws-samples'
 * image-optimization (functions/image-processing) and aws-solutions' serverless-image-handler
 * (image-handler.ts), reproduced, not copied. Generated originals (no licence to check).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DEFAULT_QUALITY, QUALITY_STEPS, type OutputFormat } from '../../core/index.ts';
import { renderVariant } from '../../core/transform/index.ts';
import { photoPixels } from '../fixtures/generate.ts';
import { commandExists } from './processes.ts';
import type { BenchTable, Cell } from './table.ts';

type LossyFormat = Exclude<OutputFormat, 'png'>;
type Pipeline = (source: Buffer, width: number, fmt: LossyFormat, quality: number) => Promise<Buffer>;

/** The quality knob each peer exposes, swept over the same range. */
const PEER_QUALITIES: readonly number[] = [30, 40, 50, 60, 70, 80, 90];
/** sharp's own defaults, what both peers encode with when a request names no quality. */
const SHARP_DEFAULT_QUALITY: Record<LossyFormat, number> = { jpeg: 80, webp: 80, avif: 50 };
/** The goal: at least this much smaller than the better peer at the same score. */
const GOAL_SAVING = 0.15;

const PIPELINES: Record<string, { readonly knob: readonly number[]; readonly render: Pipeline }> = {
  imgedge: { knob: QUALITY_STEPS, render: async (source, w, fmt, q) => (await renderVariant(source, { fmt, q, w })).body },
  // functions/image-processing: failOn none, animated, resize then rotate, toFormat with the asked quality.
  'image-optimization': {
    knob: PEER_QUALITIES,
    render: (source, width, fmt, quality) => sharp(source, { failOn: 'none', animated: true }).resize({ width }).rotate().toFormat(fmt, { quality }).toBuffer(),
  },
  // image-handler.ts: failOnError false, metadata kept, resize inside, toFormat (quality from the edits).
  'serverless-image-handler': {
    knob: PEER_QUALITIES,
    // (failOnError: false, in the sharp it was written for, is today's failOn: 'none'.)
    render: (source, width, fmt, quality) => sharp(source, { failOn: 'none' }).withMetadata().resize({ width, fit: 'inside' }).toFormat(fmt, { quality }).toBuffer(),
  },
};

interface Point {
  readonly q: number;
  readonly bytes: number;
  readonly score: number;
}

export async function perceptualTable(quick: boolean): Promise<BenchTable> {
  const title = '9. Bytes at equal perceptual quality (butteraugli, lower is closer)';
  if (!commandExists('butteraugli')) {
    return { title, columns: ['note'], rows: [['skipped: butteraugli is not installed (Debian: apt-get install butteraugli; .ci/run installs it)']] };
  }
  const dir = mkdtempSync(join(tmpdir(), 'imgedge-perceptual-'));
  try {
    const [width, height] = quick ? [800, 533] : [2121, 1414];
    const source = await sharp(photoPixels(width, height), { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
    const widths = quick ? [256] : [640, 1080];
    const formats: readonly LossyFormat[] = quick ? ['jpeg'] : ['jpeg', 'webp', 'avif'];
    const rows: Cell[][] = [];
    const savings: number[] = [];
    for (const w of widths) {
      const reference = join(dir, `ref-${w}.png`);
      writeFileSync(reference, await sharp(source).resize({ width: w }).png().toBuffer());
      for (const fmt of formats) {
        const sweeps: Record<string, Point[]> = {};
        for (const [name, pipeline] of Object.entries(PIPELINES)) sweeps[name] = await sweep(pipeline, source, w, fmt, reference, dir);
        const ourDefault = (sweeps.imgedge as Point[]).find((point) => point.q === DEFAULT_QUALITY)!;
        const target = ourDefault.score;
        const at = Object.fromEntries(Object.entries(sweeps).map(([name, points]) => [name, bytesAtScore(points, target)]));
        const peers = ['image-optimization', 'serverless-image-handler'].map((name) => at[name]).filter((bytes): bytes is number => bytes !== undefined);
        const better = peers.length > 0 ? Math.min(...peers) : undefined;
        const ours = ourDefault.bytes;
        if (better !== undefined) savings.push(1 - ours / better);
        const defaults = ['image-optimization', 'serverless-image-handler'].map((name) => {
          const point = (sweeps[name] as Point[]).find((p) => p.q === SHARP_DEFAULT_QUALITY[fmt])!;
          return `${kb(point.bytes)} KB @ ${point.score.toFixed(2)}`;
        });
        rows.push([`${fmt} ${w} px`, Number(target.toFixed(2)), kb(ours), cellKb(at['image-optimization']), cellKb(at['serverless-image-handler']), better === undefined ? '—' : `${((1 - ours / better) * 100).toFixed(0)}%`, ...defaults]);
      }
    }
    const worst = savings.length > 0 ? Math.min(...savings) : Number.NaN;
    return {
      title: `${title}: a ${width}×${height} photo-like JPEG`,
      columns: ['format, width', 'target score', 'imgedge KB', 'image-optimization KB', 'serverless-image-handler KB', 'saved vs better peer', 'image-optimization default', 'serverless-image-handler default'],
      rows,
      notes: [
        `Target: imgedge's default (q=${DEFAULT_QUALITY}) score; each pipeline's bytes at it from its quality sweep (imgedge: ${QUALITY_STEPS.join(', ')}; peers: ${PEER_QUALITIES.join(', ')}). Peer defaults: sharp's (JPEG and WebP 80, AVIF 50).`,
        Number.isNaN(worst)
          ? `Goal: ≥ ${GOAL_SAVING * 100}% fewer bytes than the better peer at the same score: not measured (no peer's sweep brackets the target).`
          : `Goal: ≥ ${GOAL_SAVING * 100}% fewer bytes than the better peer at the same score; worst ${(worst * 100).toFixed(0)}%: ${worst >= GOAL_SAVING ? 'met' : 'missed'}.`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The pipeline at each of its qualities: bytes, and butteraugli's distance from the reference. */
async function sweep(pipeline: (typeof PIPELINES)[string], source: Buffer, width: number, fmt: LossyFormat, reference: string, dir: string): Promise<Point[]> {
  const points: Point[] = [];
  for (const q of pipeline.knob) {
    const encoded = await pipeline.render(source, width, fmt, q);
    const decoded = join(dir, 'candidate.png');
    // butteraugli reads PNG and JPEG only; the decode is lossless.
    writeFileSync(decoded, await sharp(encoded).png().toBuffer());
    points.push({ q, bytes: encoded.length, score: Number(execFileSync('butteraugli', [reference, decoded], { encoding: 'utf8' }).trim()) });
  }
  return points;
}

/**
 * Bytes at `target` on a sweep (linear between the points around it); undefined when no quality
 * reaches it, or when the cheapest already does (the sweep does not say how few bytes would).
 */
function bytesAtScore(points: readonly Point[], target: number): number | undefined {
  const sorted = [...points].sort((a, b) => a.bytes - b.bytes);
  const reached = sorted.findIndex((point) => point.score <= target);
  if (reached <= 0) return undefined;
  const hit = sorted[reached] as Point;
  const before = sorted[reached - 1] as Point;
  if (before.score === hit.score) return hit.bytes;
  return before.bytes + ((before.score - target) / (before.score - hit.score)) * (hit.bytes - before.bytes);
}

const kb = (bytes: number): number => Number((bytes / 1024).toFixed(1));
const cellKb = (bytes: number | undefined): Cell => (bytes === undefined ? '—' : kb(bytes));
