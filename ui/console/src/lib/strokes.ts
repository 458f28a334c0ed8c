// A signature's strokes as hearth-core stores them → SVG path data and the box around them,
// so the console draws the signature exactly as it was signed, without any image. A stroke's
// points are x, y, t_ms integers (x and y in tenths of a canvas pixel), packed (a base64url
// string of zigzag varint deltas, see core/src/model/stroke.rs) or, in records signed
// before packing, a flat array.

/** A stroke as a signed record carries it. */
export interface StoredStroke {
  points: string | number[];
}

export interface SignaturePaths {
  paths: string[];
  viewBox: string;
}

/** The flat `[x, y, t_ms, …]` integers of a packed stroke. */
export function unpackPoints(packed: string): number[] {
  const bytes = atob(packed.replace(/-/g, '+').replace(/_/g, '/'));
  const out: number[] = [];
  const last = [0, 0, 0];
  let value = 0;
  let scale = 1;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes.charCodeAt(i);
    // Arithmetic, not bit operators: a delta may not fit JavaScript's 32-bit shifts.
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte & 0x80) continue;
    const delta = value % 2 === 1 ? -(value + 1) / 2 : value / 2;
    const axis = out.length % 3;
    last[axis] += delta;
    out.push(last[axis]);
    value = 0;
    scale = 1;
  }
  return out;
}

export function signaturePaths(strokes: StoredStroke[]): SignaturePaths {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const paths: string[] = [];
  for (const stroke of strokes) {
    const points = typeof stroke.points === 'string' ? unpackPoints(stroke.points) : stroke.points;
    const pts: [number, number][] = [];
    for (let i = 0; i + 2 < points.length; i += 3) {
      const x = points[i] / 10;
      const y = points[i + 1] / 10;
      pts.push([x, y]);
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    }
    if (pts.length === 0) continue;
    // A single tap is a dot: a zero-length line drawn with round caps.
    const [first, ...rest] = pts;
    const line = rest.length ? rest.map(([x, y]) => `L${x} ${y}`).join('') : `L${first[0]} ${first[1]}`;
    paths.push(`M${first[0]} ${first[1]}${line}`);
  }
  if (!paths.length) return { paths, viewBox: '0 0 300 100' };
  const pad = 10;
  const w = Math.max(maxX - minX, 1) + 2 * pad;
  const h = Math.max(maxY - minY, 1) + 2 * pad;
  return { paths, viewBox: `${minX - pad} ${minY - pad} ${w} ${h}` };
}
