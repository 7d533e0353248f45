import { describe, expect, it } from 'vitest';
import { nextSequencer } from './s3-events.ts';

const padded = (hex: string) => hex.padStart(64, '0');

describe('local S3 event sequencers', () => {
  it('grow with every event, within a millisecond too', () => {
    const first = nextSequencer(1_000);
    const second = nextSequencer(1_000);
    expect(padded(second) > padded(first)).toBe(true);
  });

  it('are later than any a process that stopped a millisecond before could have handed out', () => {
    const earlierProcessBusiest = ((BigInt(Date.now() - 1) * 1_000_000n) + 999_999n).toString(16).toUpperCase();
    expect(padded(nextSequencer()) > padded(earlierProcessBusiest)).toBe(true);
  });
});
