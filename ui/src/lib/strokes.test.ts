import { describe, expect, it } from 'vitest';
import { toStrokes } from './strokes';

describe('signature strokes', () => {
  it("become [x, y, t_ms] integers: tenths of a pixel, ms since the stroke's start", () => {
    const strokes = toStrokes([
      { points: [{ x: 10.04, y: 20.06, time: 1000 }, { x: 11.5, y: 21.25, time: 1016.4 }] },
      { points: [] },
      { points: [{ x: 0.01, y: -0.2, time: 2000 }] },
    ]);
    expect(strokes).toEqual([
      [[100, 201, 0], [115, 213, 16]],
      [[0, -2, 0]],
    ]);
    for (const p of strokes.flat()) expect(p.every(Number.isInteger)).toBe(true);
  });
});
