/**
 * `npm run bench [-- --quick] [--only 1,3]`: prints the benchmark tables.
 * --quick runs each table at toy sizes (what the smoke test does); --only picks tables by number.
 */
import os from 'node:os';
import sharp from 'sharp';
import { BENCH_STEPS } from './bench.ts';
import { renderTable } from './table.ts';

// The local stack's tasks log JSON and EMF to stdout; the tables are what this prints.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

function parseArgs(argv: readonly string[]): { quick: boolean; only?: Set<number> } {
  let quick = false;
  let only: Set<number> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--only' && argv[i + 1]) only = new Set((argv[++i] as string).split(',').map(Number));
    else {
      console.error(`npm run bench: unknown argument ${arg}; use --quick and/or --only 1,2,…`);
      process.exit(2);
    }
  }
  return { quick, ...(only && { only }) };
}

const { quick, only } = parseArgs(process.argv.slice(2));
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`imgedge benchmarks — ${new Date().toISOString().slice(0, 10)}, ${cpu}, ${os.availableParallelism()} cores, Node ${process.version}, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}${quick ? ', QUICK (toy sizes)' : ''}\n`);
for (const step of BENCH_STEPS.filter((s) => !only || only.has(s.id))) {
  const start = performance.now();
  for (const table of await step.run(quick)) console.log(renderTable(table));
  console.log(`  (${step.name}: ${((performance.now() - start) / 1000).toFixed(1)} s)\n`);
}
