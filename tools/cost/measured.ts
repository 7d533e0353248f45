/**
 * The measured inputs of the cost model, in one place. Each starts as a
 * provisional guess that says what it rests on; `npm run bench -- --record`
 * writes the figures the benchmarks measure to measured.json, which replaces
 * the guess (value and basis) and clears `provisional`. docs/cost-model.md
 * reports which figures are measured.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MeasuredInput {
  readonly value: number;
  readonly unit: string;
  readonly provisional: boolean;
  /** Where the value comes from, or what the provisional guess rests on. */
  readonly basis: string;
}

/** Memory the render timings are taken at: both renderers run with it (infra/aws/stacks/edge.ts, pipeline.ts render-variant). */
export const RENDER_MEMORY_MB = 3008;

const GUESSES = {
  edgeHitRatio: {
    value: 0.97,
    unit: 'ratio',
    provisional: true,
    basis: 'target for a canonical cache key (ladder snapping, fmt negotiation, stripped query); bench: edge hits / requests',
  },
  shieldHitRatio: {
    value: 0.6,
    unit: 'ratio',
    provisional: true,
    basis: 'guess: the shield sees only edge misses, the long tail; bench: OriginShieldHit / shield requests',
  },
  rendersPerShieldMiss: {
    value: 0.2,
    unit: 'ratio',
    provisional: true,
    basis: 'guess: 12 standard variants are pre-rendered and renders are stored, so most shield misses find the variant in S3; bench: renders / origin-request invocations of the variants origin',
  },
  meanRenderMs: {
    value: 200,
    unit: `ms at ${RENDER_MEMORY_MB} MB`,
    provisional: true,
    basis: 'docs/pipeline.md: the 12 standard variants finish in rounds of ~100–300 ms; midpoint; bench: server-timing render;dur',
  },
  meanOriginalFetchMs: {
    value: 40,
    unit: 'ms',
    provisional: true,
    basis: 'guess: one in-region S3 GET of a ~2 MB original; bench: server-timing fetch;dur',
  },
  meanVariantLookupMs: {
    value: 5,
    unit: 'ms',
    provisional: true,
    basis: 'guess: the "variant exists" path only parses and rewrites the URI (no I/O); bench: origin-request duration on the variants origin',
  },
  meanVariantBytes: {
    value: 50_000,
    unit: 'bytes',
    provisional: true,
    basis: 'docs/aws-limits.md cost inputs (50 KB average image); bench: mean body bytes of served variants',
  },
  meanValidateMs: {
    value: 400,
    unit: 'ms at 2048 MB',
    provisional: true,
    basis: 'guess: read the original, sniff, header check, one 64 px test render; bench or CloudWatch Duration of validate-original',
  },
  meanSmallTaskMs: {
    value: 60,
    unit: 'ms at 256 MB',
    provisional: true,
    basis: 'guess: a few DynamoDB/S3/KVS calls per task; CloudWatch Duration of the non-render tasks',
  },
} as const satisfies Record<string, MeasuredInput>;

export type MeasuredName = keyof typeof GUESSES;

/** What a bench run measured for one input: the figure and how it was taken. */
export interface Measurement {
  readonly value: number;
  readonly basis: string;
}

/** The bench's record, beside this file; `npm run bench -- --record` rewrites the inputs its tables measure. */
export const MEASURED_FILE = join(import.meta.dirname, 'measured.json');

export function readRecorded(file = MEASURED_FILE): Partial<Record<MeasuredName, Measurement>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const recorded = JSON.parse(text) as Record<string, Measurement>;
  for (const [name, entry] of Object.entries(recorded)) {
    if (!(name in GUESSES)) throw new Error(`${file}: ${name} is not a measured input of the cost model`);
    if (typeof entry.value !== 'number' || !Number.isFinite(entry.value) || typeof entry.basis !== 'string') {
      throw new Error(`${file}: ${name} needs a finite value and a basis`);
    }
  }
  return recorded;
}

/** The guesses with the recorded measurements on top. */
export function measuredInputs(recorded: Partial<Record<MeasuredName, Measurement>>): Record<MeasuredName, MeasuredInput> {
  return Object.fromEntries(
    (Object.keys(GUESSES) as MeasuredName[]).map((name) => {
      const measurement = recorded[name];
      const guess: MeasuredInput = GUESSES[name];
      return [name, measurement ? { ...guess, value: measurement.value, basis: measurement.basis, provisional: false } : guess];
    }),
  ) as Record<MeasuredName, MeasuredInput>;
}

export const MEASURED: Readonly<Record<MeasuredName, MeasuredInput>> = measuredInputs(readRecorded());

export function measuredValues(): { readonly [K in MeasuredName]: number } {
  return Object.fromEntries(Object.entries(MEASURED).map(([name, input]) => [name, input.value])) as { [K in MeasuredName]: number };
}
