/** The production code's imports as a graph of repository paths, read from the sources (relative specifiers only: packages are not rooms). */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
/** The folders that hold production code (README, "Layout"). */
export const PRODUCTION_ROOTS = ['core', 'edge', 'infra', 'tasks', 'tools', 'workflows'] as const;

/** `import … from`, `export … from`, a side-effect `import '…'`, and `import('…')`. */
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|(?:^|[\s;])import\s*['"](\.{1,2}\/[^'"]+)['"]/g;

export const isProduction = (file: string): boolean => !file.endsWith('.test.ts') && !file.endsWith('.d.ts');

function sources(root: string): string[] {
  return readdirSync(join(REPO_ROOT, root), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(root, file));
}

/** file → the repository files it imports. */
export function importGraph(files: readonly string[] = PRODUCTION_ROOTS.flatMap(sources).filter(isProduction)): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    const targets = [...text.matchAll(SPECIFIER)].map((m) => normalize(join(dirname(file), (m[1] ?? m[2] ?? m[3])!)));
    graph.set(file, targets.map((target) => relative('.', target)));
  }
  return graph;
}

/** Strongly connected components of more than one node, or a node importing itself: every cycle, each as its members. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/**
 * A file's folder: its room's second level (`core/transform`, `infra/aws`,
 * `tools/cli`, `tasks/render-variant`); deeper folders belong to it, and a file
 * at a room's top (`core/errors.ts`) to the room.
 */
export function folderOf(file: string): string {
  const parts = dirname(file).split('/');
  return parts.slice(0, 2).join('/');
}

/**
 * The folders' graph: an edge where a file of one folder imports a file of
 * another. An `index.ts` re-exporting the folders below it is their entry, not
 * a dependency of its folder on them, so those edges are left out.
 */
export function folderGraph(graph: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    const edges = folders.get(from) ?? new Set<string>();
    folders.set(from, edges);
    for (const target of targets) {
      const to = folderOf(target);
      const intoOwnSubtree = file.endsWith('/index.ts') && dirname(target).startsWith(`${dirname(file)}/`);
      if (to !== from && !intoOwnSubtree) edges.add(to);
    }
  }
  return new Map([...folders].map(([folder, edges]) => [folder, [...edges]]));
}
