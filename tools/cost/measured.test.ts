import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { measuredInputs, readRecorded } from './measured.ts';

const recordFile = (content: unknown) => {
  const file = join(mkdtempSync(join(tmpdir(), 'imgedge-measured-')), 'measured.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
};

describe('measured inputs', () => {
  it('keeps every guess provisional while nothing is recorded', () => {
    const inputs = measuredInputs(readRecorded(join(tmpdir(), 'no-such-dir', 'measured.json')));
    expect(Object.values(inputs).every((input) => input.provisional)).toBe(true);
  });

  it('replaces a guess by its recorded measurement, value and basis, and leaves the others provisional', () => {
    const inputs = measuredInputs(readRecorded(recordFile({ edgeHitRatio: { value: 0.81, basis: 'bench table 4' } })));
    expect(inputs.edgeHitRatio).toMatchObject({ value: 0.81, basis: 'bench table 4', provisional: false, unit: 'ratio' });
    expect(inputs.shieldHitRatio.provisional).toBe(true);
  });

  it('refuses a record naming an input the model does not have, or without a finite value', () => {
    expect(() => readRecorded(recordFile({ hitRatio: { value: 1, basis: 'x' } }))).toThrow(/hitRatio is not a measured input/);
    expect(() => readRecorded(recordFile({ edgeHitRatio: { value: null, basis: 'x' } }))).toThrow(/edgeHitRatio needs a finite value/);
  });
});
