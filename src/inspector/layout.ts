/**
 * Where the nodes sit in the inspector's graph. The watched element only sees the messages it sends and
 * receives, so every message it can show has this node at one end: putting this node in the middle and the
 * others on a ring makes every flight a short radial line that never crosses another node.
 */

/** A point in the graph's viewBox. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Size of the graph's viewBox and the room left around the ring for labels. */
export interface LayoutBox {
  readonly width: number;
  readonly height: number;
  /** Distance kept from the edges to the centres of the ring's nodes. */
  readonly margin: number;
}

/**
 * Positions of `ids`: `center` (when it is among them) in the middle, the others evenly on an ellipse,
 * starting at the top and going clockwise in the order given (callers sort, so positions are stable).
 */
export function starLayout(ids: readonly string[], center: string | null, box: LayoutBox): Map<string, Point> {
  const positions = new Map<string, Point>();
  const cx = box.width / 2;
  const cy = box.height / 2;
  const ring = ids.filter((id) => id !== center);
  if (center !== null && ids.includes(center)) positions.set(center, { x: cx, y: cy });
  const rx = Math.max(0, cx - box.margin);
  const ry = Math.max(0, cy - box.margin);
  ring.forEach((id, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / ring.length;
    positions.set(id, { x: round(cx + rx * Math.cos(angle)), y: round(cy + ry * Math.sin(angle)) });
  });
  return positions;
}

/** The point a fraction `t` (0 to 1) of the way from `a` to `b`, eased in and out so a flight reads as one. */
export function along(a: Point, b: Point, t: number): Point {
  const clamped = Math.min(1, Math.max(0, t));
  const eased = clamped < 0.5 ? 2 * clamped * clamped : 1 - (-2 * clamped + 2) ** 2 / 2;
  return { x: a.x + (b.x - a.x) * eased, y: a.y + (b.y - a.y) * eased };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
