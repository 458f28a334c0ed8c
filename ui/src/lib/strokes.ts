// signature_pad's strokes → hearth-core's StrokePoint shape: `[x, y, t_ms]` integers, x and
// y in tenths of a canvas CSS pixel (a pen may stray just outside the canvas: negative is
// kept), t in ms since the stroke began.

/** A point as signature_pad's `toData()` gives it. */
export interface PadPoint {
  x: number;
  y: number;
  time: number;
}

/** A stroke as signature_pad's `toData()` gives it (other fields are ignored). */
export interface PadStroke {
  points: PadPoint[];
}

export type StrokePoint = [number, number, number];

/** Converts signature_pad's float points; empty strokes are dropped. */
export function toStrokes(data: PadStroke[]): StrokePoint[][] {
  return data
    .filter((s) => s.points.length > 0)
    .map((s) => {
      const t0 = s.points[0].time;
      return s.points.map((p): StrokePoint => [
        Math.round(p.x * 10),
        Math.round(p.y * 10),
        Math.max(0, Math.round(p.time - t0)),
      ]);
    });
}
