// A signature's strokes as hearth-core stores them (each stroke a flat list of x, y, t_ms
// integers, x and y in tenths of a canvas pixel) → SVG path data and the box around them,
// so the console draws the signature exactly as it was signed, without any image.

export interface SignaturePaths {
  paths: string[];
  viewBox: string;
}

export function signaturePaths(strokes: { points: number[] }[]): SignaturePaths {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const paths: string[] = [];
  for (const stroke of strokes) {
    const pts: [number, number][] = [];
    for (let i = 0; i + 2 < stroke.points.length; i += 3) {
      const x = stroke.points[i] / 10;
      const y = stroke.points[i + 1] / 10;
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
