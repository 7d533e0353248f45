import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.ts';

function terminal(columns: number | undefined, isTTY = true) {
  const written: string[] = [];
  return { written, stream: { isTTY, columns: columns as number, write: (chunk: string) => written.push(chunk) > 0 } };
}

describe('createProgress', () => {
  it('redraws one line in place: the bar, done of total, the label, cut to the terminal width', () => {
    const { written, stream } = terminal(60);
    const progress = createProgress(4, stream);
    progress.update(1, 'a.jpg');
    progress.update(4, 'a long label that does not fit on a sixty-column terminal at all');
    expect(written[0]).toBe(`\r${'[######------------------] 1/4 a.jpg'.padEnd(59)}`);
    expect(written[1]).toHaveLength(60);
    expect(written[1]).toMatch(/^\r\[#{24}\] 4\/4 a long label/);
    progress.finish();
    expect(written[2]).toBe(`\r${' '.repeat(59)}\r`);
  });

  it('draws on a terminal that reports no width', () => {
    const { written, stream } = terminal(0);
    createProgress(2, stream).update(1, 'x');
    expect(written[0]).toHaveLength(80);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const { written, stream } = terminal(80, false);
    const progress = createProgress(2, stream);
    progress.update(1, 'x');
    progress.finish();
    expect(written).toEqual([]);
  });
});
