/**
 * A one-line progress bar on stderr, redrawn in place; silent when stderr is
 * not a terminal (CI logs, pipes), where only the summary is printed.
 */
const BAR_WIDTH = 24;
/** What a terminal that reports no size (a pty under `script`, some CI runners) is taken to be. */
const FALLBACK_COLUMNS = 80;

export interface Progress {
  update(done: number, label: string): void;
  finish(): void;
}

export function createProgress(total: number, stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns' | 'write'> = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => undefined, finish: () => undefined };
  const width = () => (stream.columns || FALLBACK_COLUMNS) - 1;
  return {
    update(done, label) {
      const filled = total === 0 ? BAR_WIDTH : Math.round((Math.min(done, total) / total) * BAR_WIDTH);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total} ${label}`;
      stream.write(`\r${line.slice(0, width()).padEnd(width())}`);
    },
    finish() {
      stream.write(`\r${' '.repeat(width())}\r`);
    },
  };
}
