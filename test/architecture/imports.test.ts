/**
 * No import cycles in production code, between files or between folders.
 * The rooms' boundaries (what may import what) are lint rules: eslint.config.js.
 */
import { describe, expect, it } from 'vitest';
import { cycles, folderGraph, importGraph } from './import-graph.ts';

describe('import cycles', () => {
  const graph = importGraph();

  it('reads the production code (a graph this small would be a broken reader)', () => {
    expect(graph.size).toBeGreaterThan(150);
    expect(graph.get('edge/origin/index.ts')).toContain('core/storage/index.ts');
    expect(graph.get('core/transform/open.ts')).toContain('core/transform/runtime.ts'); // a side-effect import
  });

  it('finds a cycle when there is one', () => {
    const looped = new Map([['a/x.ts', ['b/y.ts']], ['b/y.ts', ['a/x.ts']], ['c/z.ts', ['a/x.ts']]]);
    expect(cycles(looped)).toEqual([['a/x.ts', 'b/y.ts']]);
    expect(cycles(folderGraph(new Map([['a/x.ts', ['b/y.ts']], ['b/w.ts', ['a/v.ts']]])))).toEqual([['a', 'b']]);
  });

  it('no file imports itself through others', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('no folder imports itself through others', () => {
    expect(cycles(folderGraph(graph))).toEqual([]);
  });
});
