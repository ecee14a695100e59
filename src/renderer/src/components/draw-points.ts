/**
 * Drawing a detection's points on the overlay: a detector's few keypoints as dots, a face mesh's 468 points as
 * fine dots, and a body pose's 33 keypoints as a skeleton (BlazePose's topology), leaving out
 * points the model says are not visible.
 */
type Point = { x: number; y: number; v?: number };
type Rect = { x: number; y: number; w: number; h: number };

/** The slice of a 2D canvas context used here (no DOM types, so the node tests can run it). */
export interface Painter {
  fillStyle: unknown;
  strokeStyle: unknown;
  lineWidth: number;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
  arc(x: number, y: number, radius: number, start: number, end: number): void;
  fill(): void;
}

/** Pairs of BlazePose keypoints joined by a bone: face, arms and hands, torso, legs and feet. */
const POSE_BONES: Array<[number, number]> = [
  [0, 1], [1, 2], [2, 3], [3, 7], [0, 4], [4, 5], [5, 6], [6, 8], [9, 10],
  [11, 12], [11, 13], [13, 15], [15, 17], [15, 19], [15, 21], [17, 19], [12, 14], [14, 16], [16, 18], [16, 20], [16, 22], [18, 20],
  [11, 23], [12, 24], [23, 24],
  [23, 25], [25, 27], [27, 29], [29, 31], [27, 31], [24, 26], [26, 28], [28, 30], [30, 32], [28, 32],
];
const POSE_POINTS = 33;
const VISIBLE = 0.5;

export function drawPoints(context: Painter, points: Point[], rect: Rect, color: string): void {
  const at = (p: Point): [number, number] => [rect.x + p.x * rect.w, rect.y + p.y * rect.h];
  const visible = (p: Point | undefined) => !!p && (p.v === undefined || p.v >= VISIBLE);
  context.fillStyle = color;
  if (points.length === POSE_POINTS) {
    context.strokeStyle = color;
    context.lineWidth = 2;
    context.beginPath();
    for (const [a, b] of POSE_BONES) {
      if (!visible(points[a]) || !visible(points[b])) continue;
      context.moveTo(...at(points[a]));
      context.lineTo(...at(points[b]));
    }
    context.stroke();
  }
  const radius = points.length > POSE_POINTS ? 1 : 3;
  for (const p of points) {
    if (!visible(p)) continue;
    context.beginPath();
    context.arc(...at(p), radius, 0, Math.PI * 2);
    context.fill();
  }
}
