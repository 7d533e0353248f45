import { describe, expect, it } from 'vitest';
import { ASL, branchOf, countPath, pipelinePaths, type AslMachine } from './workflow-transitions.ts';

describe('countPath over the checked-in asl/', () => {
  const paths = pipelinePaths(12, 1);

  it('bills a new upload 7 transitions: ObjectCreated?, ValidateOriginal, RecordOriginal, Replaced?, FirstGeneration (a Pass), StartRender, Done', () => {
    expect(paths.upload).toEqual({ transitions: 7, invocations: { 'validate-original': 1, 'record-original': 1 } });
  });

  it('bills a re-upload 10: AdvanceGeneration, Current?, DeleteOldVariants and StartExpiry in place of FirstGeneration; no invalidation', () => {
    // ObjectCreated? → ValidateOriginal → RecordOriginal → Replaced? → AdvanceGeneration → Current? → DeleteOldVariants → StartReplacementRender → StartExpiry → Done
    expect(branchOf(ASL.upload, 'Replaced?', '$.recorded.replaced')).toBe('AdvanceGeneration');
    expect(branchOf(ASL.upload, 'Current?')).toBe('DeleteOldVariants');
    expect(() => branchOf(ASL.upload, 'Replaced?')).toThrow(/2 branches/); // its other rule ends the execution: no path the bill follows
    expect(paths.reupload.transitions).toBe(10);
    expect(paths.reupload.invocations).toEqual({
      'validate-original': 1,
      'record-original': 1,
      'advance-generation': 1,
      'delete-variants': 1,
    });
  });

  it('ends a re-upload superseded by a later one at the Default of Current?: 7 transitions, no delete, no render', () => {
    // ObjectCreated? → ValidateOriginal → RecordOriginal → Replaced? → AdvanceGeneration → Current? → Superseded
    const superseded = countPath(ASL.upload, { choices: { 'Replaced?': 'AdvanceGeneration' } });
    expect(superseded).toEqual({
      transitions: 7,
      invocations: { 'validate-original': 1, 'record-original': 1, 'advance-generation': 1 },
    });
  });

  it("bills an entry's expiry: a generation's 8 (two Waits, Denied?, promote, remove, Removed?, delete, Done), a deny entry's 4 (Wait, Denied?, sweep-and-remove, Done)", () => {
    expect(paths.generationExpiry).toEqual({ transitions: 8, invocations: { 'promote-generation': 1, 'remove-freshness-entry': 1, 'delete-variants': 1 } });
    expect(paths.denyExpiry).toEqual({ transitions: 4, invocations: { 'remove-freshness-entry': 1 } });
  });

  it('bills a render of 12 variants 16: PlanVariants, the Map, 12 × RenderVariant, AnyFailed?, Done', () => {
    expect(paths.render).toEqual({ transitions: 16, invocations: { 'plan-variants': 1, 'render-variant': 12 } });
  });

  it('so an upload costs 2 executions and 7 + 16 = 23 transitions', () => {
    expect(paths.upload.transitions + paths.render.transitions).toBe(23);
  });

  it('bills a takedown without requestedBy 9: RequestedBy?, NoRequester, five tasks, StartExpiry, Done', () => {
    expect(paths.takedown.transitions).toBe(9);
    expect(Object.values(paths.takedown.invocations).reduce((a, b) => a + b)).toBe(5);
  });

  it('bills an empty flush 4 and a flush with b batches 5 + 3b', () => {
    expect(paths.idleFlush.transitions).toBe(4);
    expect(paths.busyFlush.transitions).toBe(8);
    expect(pipelinePaths(12, 3).busyFlush.transitions).toBe(5 + 3 * 3);
    expect(pipelinePaths(12, 3).busyFlush.invocations['claim-invalidation-batch']).toBe(3);
  });

  it('counts the Map iterations it is told of', () => {
    expect(countPath(ASL.render, { mapItems: { RenderVariants: 4 } }).transitions).toBe(8);
  });

  it('refuses a Map without an item count and a Choice target that is not a branch', () => {
    expect(() => countPath(ASL.render)).toThrow(/RenderVariants/);
    expect(() => countPath(ASL.upload, { choices: { 'Replaced?': 'Rejected' } })).toThrow(/no branch to Rejected/);
  });

  it('takes the one branch of a two-way Choice, and refuses a state that is not one', () => {
    expect(branchOf(ASL.render, 'AnyFailed?')).toBe('ListFailures');
    expect(() => branchOf(ASL.upload, 'RecordOriginal')).toThrow(/no Choice RecordOriginal/);
  });

  it('refuses a path that loops', () => {
    const loop: AslMachine = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'A' } } };
    expect(() => countPath(loop)).toThrow(/loops at A/);
  });
});
