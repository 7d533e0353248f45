/**
 * A JSON-lines file that a stand-in appends each change to, synchronously, so
 * the change is on disk (in the OS's cache: a killed process loses nothing)
 * before the call that made it answers. A crash mid-append leaves at most a
 * cut-short last line, which reading drops from the file: that change never
 * answered, and the next append starts a line of its own.
 */
import { appendFileSync, existsSync, readFileSync, truncateSync } from 'node:fs';
import { writeWholeSync } from './whole-file.ts';

export interface AppendLog<T> {
  /** Every entry appended (or rewritten) so far, oldest first. */
  read(): T[];
  append(entry: T): void;
  /** Replaces the file with `entries`, whole (temp file + rename): compaction. */
  rewrite(entries: readonly T[]): void;
}

export function appendLog<T>(file: string): AppendLog<T> {
  const lines = (entries: readonly T[]) => entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
  return {
    read() {
      if (!existsSync(file)) return [];
      const text = readFileSync(file);
      const complete = text.subarray(0, text.lastIndexOf('\n') + 1);
      if (complete.length < text.length) truncateSync(file, complete.length);
      return complete.toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);
    },
    append: (entry) => appendFileSync(file, lines([entry])),
    rewrite(entries) {
      writeWholeSync(file, lines(entries));
    },
  };
}
