/** A Report as plain-text tables. */
import { FRESHNESS_WINDOW_SECONDS, MAX_SLOT_ENTRIES } from '../../core/contract/index.ts';
import { KVS_MAX_BYTES } from './freshness.ts';
import type { CellsNeeded, FreshnessAtPeak, QuotaCheck } from './quotas.ts';
import type { Report } from './report.ts';

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

function times(multiple: number): string {
  return Number.isFinite(multiple) ? `${plain.format(multiple)}×` : 'never';
}

/** Columns padded to their widest cell; numbers (right: true) aligned right. */
function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string {
  const widths = header.map((cell, col) => Math.max(cell.length, ...rows.map((row) => (row[col] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, col) => (right[col] ? cell.padStart(widths[col] ?? 0) : cell.padEnd(widths[col] ?? 0))).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const ratio = (value: number) => String(Number(value.toPrecision(3)));

export function formatReport(r: Report): string {
  const { cost } = r;
  const a = cost.assumptions;
  const heading = [
    `imgedge cost model: list prices of ${r.pricesDate} (US/EU, on demand), ${a.daysPerMonth}-day month`,
    `${compact.format(a.imagesPerDay)} images/day, ${compact.format(a.uploadsPerDay)} uploads/day, ${compact.format(a.takedownsPerDay)} takedowns/day, ` +
      `edge hit ${ratio(a.edgeHitRatio)}, shield hit ${ratio(a.shieldHitRatio)}, renders/miss ${ratio(a.rendersPerShieldMiss)}, ` +
      `render ${Math.round(a.meanRenderMs)} ms, ${compact.format(a.meanVariantBytes)} bytes/image, ` +
      `cells ${a.cells}${a.cells > 1 ? ' (modelled, not deployed yet)' : ''}`,
    r.provisional.length > 0 ? `provisional (not measured by npm run bench): ${r.provisional.join(', ')}` : 'every measured input given',
  ];
  const costRows = cost.lineItems.map((line) => [
    line.name,
    compact.format(line.quantityPerMonth),
    line.unit,
    dollars.format(line.usdPerDay),
    dollars.format(line.usdPerMonth),
    line.confidence,
  ]);
  costRows.push(['Total', '', '', dollars.format(cost.usdPerDay), dollars.format(cost.usdPerMonth), '']);
  const costTable = table(['line item', 'qty/month', 'unit', '$/day', '$/month', 'conf'], costRows, [false, true, false, true, true, false]);

  const quotaTable = table(
    ['quota (at peak)', 'limit', 'peak', 'unit', 'headroom', 'holds', 'exceeded at', 'then'],
    r.quotas.map((check) => [
      check.name,
      plain.format(check.limit),
      plain.format(check.peakUsage),
      check.unit,
      Number.isFinite(check.headroom) ? plain.format(check.headroom) : '∞',
      check.holds ? 'yes' : 'NO',
      times(check.exceededAtMultiple),
      check.onExceed,
    ]),
    [false, true, true, false, true, false, true, false],
  );

  return [
    ...heading,
    '',
    costTable,
    '',
    `${dollars.format(cost.usdPerMillionImages)} per million images`,
    '',
    `peak = ${a.peakToMean} × mean; "exceeded at" is the multiple of this traffic (images, uploads, takedowns together)`,
    quotaTable,
    '',
    verdict('first exceeded', r.firstExceeded),
    verdict('breaks first', r.breaksFirst),
    '',
    freshnessLine(r.freshness),
    cellsLine(r.cellsNeeded),
  ].join('\n');
}

function freshnessLine(f: FreshnessAtPeak): string {
  const overflow = f.slots.overflowProbability;
  const chance = overflow < 1e-12 ? '< 1e-12' : overflow.toPrecision(2);
  return (
    `KeyValueStore of the busiest cell at peak: ${plain.format(Math.round(f.entriesPerCell))} live entries ` +
    `(${plain.format(FRESHNESS_WINDOW_SECONDS / 3600)} h of re-uploads and takedowns), ${plain.format(f.bytes.total / 1e6)} MB of ${KVS_MAX_BYTES / 1e6} MB ` +
    `(slot keys ${plain.format(f.bytes.slotKeys / 1e6)}, entries ${plain.format(f.bytes.entries / 1e6)}, tenants ${plain.format(f.bytes.tenants / 1e6)}); ` +
    `${ratio(f.slots.meanPerSlot)} entries per slot, the fullest ≈ ${plain.format(f.slots.expectedFullest)} of ${MAX_SLOT_ENTRIES}, P(any slot past ${MAX_SLOT_ENTRIES}) ${chance}`
  );
}

function cellsLine(c: CellsNeeded): string {
  const cells = c.cells === undefined ? 'more than the model tries' : String(c.cells);
  const never = c.never.length > 0 ? `; not by any number of cells: ${c.never.join(', ')}` : '';
  return `cells for headroom ≥ ${c.minHeadroom} on every per-distribution and per-shield-Region quota: ${cells}${never}`;
}

function verdict(label: string, check: QuotaCheck | undefined): string {
  if (!check) return `${label}: none (no quota grows with this traffic)`;
  return `${label}: ${check.name} at ${times(check.exceededAtMultiple)} this traffic (${check.onExceed}: ${check.consequence})`;
}
