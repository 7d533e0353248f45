/**
 * A one-line progress bar on stderr, redrawn in place; silent when stderr is
 * not a terminal (CI logs, pipes), where only the summary is printed.
 */
import type { WriteStream } from 'node:tty';

const BAR_WIDTH = 24;

export interface Progress {
  update(done: number, label: string): void;
  finish(): void;
}

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY ? (stream as WriteStream) : undefined;
  if (!tty) return { update: () => undefined, finish: () => undefined };
  return {
    update(done, label) {
      const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total} ${label}`;
      tty.write(`\r${line.slice(0, Math.max(10, tty.columns - 1)).padEnd(tty.columns - 1)}`);
    },
    finish() {
      tty.write(`\r${' '.repeat(tty.columns - 1)}\r`);
    },
  };
}
