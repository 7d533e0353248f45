import { renameSync, writeFileSync } from 'node:fs';

/** Writes `path` whole: a temporary file beside it, renamed over it, so a crash leaves the old file or the new one. */
export function writeWholeSync(path: string, data: string): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}
