/**
 * `npm run bench [-- --quick] [--only 1,3] [--record]`: prints the benchmark tables.
 * --quick runs each table at toy sizes (what the smoke test does); --only picks tables by number;
 * --record writes the cost model's inputs the tables measured to tools/cost/measured.json.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import sharp from 'sharp';
import { MEASURED_FILE, readRecorded } from '../../tools/cost/measured.ts';
import { BENCH_STEPS } from './bench.ts';
import { renderTable, type BenchTable } from './table.ts';

// The local stack's tasks log JSON and EMF to stdout; the tables are what this prints.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

function parseArgs(argv: readonly string[]): { quick: boolean; record: boolean; only?: Set<number> } {
  let quick = false;
  let record = false;
  let only: Set<number> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--record') record = true;
    else if (arg === '--only' && argv[i + 1]) only = new Set((argv[++i] as string).split(',').map(Number));
    else fail(`unknown argument ${arg}; use --quick, --only 1,2,… and/or --record`);
  }
  if (quick && record) fail('--record keeps full-size measurements only; drop --quick');
  return { quick, record, ...(only && { only }) };
}

function fail(message: string): never {
  console.error(`npm run bench: ${message}`);
  process.exit(2);
}

/** Merges what this run measured into the record: inputs of tables not run keep their earlier figures. */
function record(tables: readonly BenchTable[]): void {
  const measured = Object.assign({}, ...tables.map((table) => table.measured ?? {}));
  writeFileSync(MEASURED_FILE, `${JSON.stringify({ ...readRecorded(), ...measured }, null, 2)}\n`);
  console.log(`recorded in ${MEASURED_FILE}: ${Object.keys(measured).join(', ') || 'nothing (no table run measures a cost input)'}`);
}

const { quick, record: recording, only } = parseArgs(process.argv.slice(2));
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`imgedge benchmarks — ${new Date().toISOString().slice(0, 10)}, ${cpu}, ${os.availableParallelism()} cores, Node ${process.version}, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}${quick ? ', QUICK (toy sizes)' : ''}\n`);
const printed: BenchTable[] = [];
for (const step of BENCH_STEPS.filter((s) => !only || only.has(s.id))) {
  const start = performance.now();
  for (const table of await step.run(quick)) {
    console.log(renderTable(table));
    printed.push(table);
  }
  console.log(`  (${step.name}: ${((performance.now() - start) / 1000).toFixed(1)} s)\n`);
}
if (recording) record(printed);
