import type { Workflow } from './common.ts';
import { expireFreshness } from './expire-freshness.ts';
import { invalidationFlush } from './invalidation-flush.ts';
import { render } from './render.ts';
import { takedown } from './takedown.ts';
import { upload } from './upload.ts';

export type { TaskBinding, Workflow } from './common.ts';
export { aslJson } from './common.ts';

export const WORKFLOWS: readonly Workflow[] = [upload, render, takedown, invalidationFlush, expireFreshness];

/** Where a workflow's generated definition is checked in, relative to the repository root. */
export function aslFile(workflow: Workflow): string {
  return `asl/${workflow.name}.asl.json`;
}
