import { describe, expect, it } from 'vitest';
import { BAD_FOCUS, coverSize, coverWindow, formatFocalPoint, parseFocalPoint } from './focus.ts';

describe('parseFocalPoint', () => {
  it('reads two fractions 0..1 of the width and height, at most 4 decimals', () => {
    expect(parseFocalPoint('0.42,0.31')).toEqual({ x: 0.42, y: 0.31 });
    expect(parseFocalPoint('0,1')).toEqual({ x: 0, y: 1 });
    expect(parseFocalPoint('1.0000,0.9999')).toEqual({ x: 1, y: 0.9999 });
  });

  it.each(['', '0.5', '0.5,', ',0.5', '0.5;0.5', '0.5, 0.5', '1.5,0.5', '1.0001,0', '-0.1,0.5', '0.12345,0.5', '.5,.5', '0.5,0.5,0.5', 'NaN,0', '5e-1,0'])(
    'refuses %j',
    (text) => {
      expect(parseFocalPoint(text)).toBeUndefined();
    },
  );

  it('reads back what formatFocalPoint writes', () => {
    for (const focus of [{ x: 0, y: 0 }, { x: 1, y: 1 }, { x: 0.4242, y: 0.01 }]) expect(parseFocalPoint(formatFocalPoint(focus))).toEqual(focus);
  });

  it('says what it wants when refused', () => {
    expect(BAD_FOCUS).toBe('focus must be x,y: two fractions 0 to 1 of the width and the height (at most 4 decimals), such as 0.5,0.33');
  });
});

describe('a cover crop around a focal point', () => {
  it('scales the source to the smallest size that covers the box on both sides', () => {
    expect(coverSize({ width: 3000, height: 2000 }, { width: 300, height: 300 })).toEqual({ width: 450, height: 300 });
    expect(coverSize({ width: 2000, height: 3000 }, { width: 300, height: 100 })).toEqual({ width: 300, height: 450 });
    // Rounding never leaves it a pixel short of the box.
    expect(coverSize({ width: 641, height: 427 }, { width: 427, height: 427 })).toEqual({ width: 641, height: 427 });
  });

  it('centres the window on the focus, and moves it inside the image near an edge', () => {
    const scaled = { width: 450, height: 300 };
    const box = { width: 300, height: 300 };
    expect(coverWindow(scaled, box, { x: 0.5, y: 0.5 })).toEqual({ left: 75, top: 0, width: 300, height: 300 });
    expect(coverWindow(scaled, box, { x: 0, y: 0 })).toEqual({ left: 0, top: 0, width: 300, height: 300 });
    expect(coverWindow(scaled, box, { x: 1, y: 1 })).toEqual({ left: 150, top: 0, width: 300, height: 300 });
    expect(coverWindow(scaled, box, { x: 0.4, y: 0.5 })).toEqual({ left: 30, top: 0, width: 300, height: 300 });
  });
});
