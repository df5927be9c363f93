import type { CollabMaskStroke } from '@atelier/contracts';
import * as Y from 'yjs';
import { collabFields, maskLimits } from './fields.js';

export type MaskTool = CollabMaskStroke['tool'];
export interface Point {
  x: number;
  y: number;
}
export interface Size {
  width: number;
  height: number;
}

/** Another person's brush as their awareness says it is right now (source pixels). */
export interface RemoteBrush {
  clientId: number;
  name: string;
  colour: string;
  tool: MaskTool;
  width: number;
  x: number;
  y: number;
}

/** Points closer than this (in source pixels) to the previous one are not recorded. */
const minimumPointDistance = 1.5;

/**
 * The mask of a workspace: committed strokes live in the document's `mask` Y.Array (a stroke is
 * pushed once, on pointer-up, so others see it when it is finished); the stroke being drawn is
 * local. Undo takes back only my own changes (my strokes, or my clear), newest first. No DOM here:
 * the canvas component draws what this model holds.
 */
export class MaskModel {
  readonly strokes: Y.Array<CollabMaskStroke>;
  tool: MaskTool = 'brush';
  width = 40;
  private current: CollabMaskStroke | undefined;
  private readonly origin = { mask: 'local' };
  private readonly undoManager: Y.UndoManager;

  constructor(doc: Y.Doc) {
    this.strokes = doc.getArray<CollabMaskStroke>(collabFields.mask);
    // Only my transactions (tagged with `origin`) are undoable; each stroke is its own step.
    this.undoManager = new Y.UndoManager(this.strokes, { trackedOrigins: new Set([this.origin]), captureTimeout: 0 });
  }

  /** Committed strokes, in drawing order. */
  committed(): CollabMaskStroke[] {
    return this.strokes.toArray();
  }

  /** The stroke I am drawing, not yet shared. */
  inProgress(): CollabMaskStroke | undefined {
    return this.current;
  }

  totalPoints(): number {
    return this.committed().reduce((sum, stroke) => sum + stroke.points.length, 0);
  }

  /** Why a new stroke cannot start, or undefined when it can. */
  limitReached(): string | undefined {
    if (this.strokes.length >= maskLimits.strokes) return `The mask has the most strokes it may hold (${String(maskLimits.strokes)}): clear it or undo some.`;
    if (this.totalPoints() >= maskLimits.totalPoints) return 'The mask has as many points as it may hold: clear it or undo some strokes.';
    return undefined;
  }

  begin(point: Point): boolean {
    if (this.limitReached() !== undefined) return false;
    this.current = { tool: this.tool, width: clampWidth(this.width), points: [round(point.x), round(point.y)] };
    return true;
  }

  /** Adds a point to the stroke being drawn; false when it is too close to the last one or the stroke is full. */
  extend(point: Point): boolean {
    const stroke = this.current;
    if (stroke === undefined) return false;
    const room = Math.min(maskLimits.pointsPerStroke, maskLimits.totalPoints - this.totalPoints());
    if (stroke.points.length + 2 > room) return false;
    const lastX = stroke.points[stroke.points.length - 2] ?? point.x;
    const lastY = stroke.points[stroke.points.length - 1] ?? point.y;
    if (Math.hypot(point.x - lastX, point.y - lastY) < minimumPointDistance) return false;
    stroke.points.push(round(point.x), round(point.y));
    return true;
  }

  /** Shares the finished stroke (pointer-up) and returns it. */
  end(): CollabMaskStroke | undefined {
    const stroke = this.current;
    this.current = undefined;
    if (stroke === undefined) return undefined;
    this.strokes.doc?.transact(() => {
      this.strokes.push([stroke]);
    }, this.origin);
    return stroke;
  }

  cancel(): void {
    this.current = undefined;
  }

  /** Removes every stroke, everyone's (undoable by me). */
  clear(): void {
    if (this.strokes.length === 0) return;
    this.strokes.doc?.transact(() => {
      this.strokes.delete(0, this.strokes.length);
    }, this.origin);
  }

  canUndo(): boolean {
    return this.undoManager.canUndo();
  }

  /** Takes back my latest change to the mask (a stroke or a clear); others' strokes stay. */
  undo(): boolean {
    return this.undoManager.undo() !== null;
  }

  /** Calls back on every change to the committed strokes, mine or others'. */
  observe(listener: () => void): () => void {
    this.strokes.observe(listener);
    return () => {
      this.strokes.unobserve(listener);
    };
  }

  destroy(): void {
    this.undoManager.destroy();
  }
}

function clampWidth(width: number): number {
  return Math.min(maskLimits.maximumWidth, Math.max(maskLimits.minimumWidth, Math.round(width)));
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** A pointer position on the displayed canvas, in the source image's pixels (clamped inside it). */
export function viewToSource(point: Point, view: Size, source: Size): Point {
  const x = (point.x / view.width) * source.width;
  const y = (point.y / view.height) * source.height;
  return { x: Math.min(source.width, Math.max(0, x)), y: Math.min(source.height, Math.max(0, y)) };
}

/** Others' brushes from awareness states (mine excluded; states without a brush skipped). */
export function remoteBrushes(states: ReadonlyMap<number, Record<string, unknown>>, myClientId: number): RemoteBrush[] {
  const brushes: RemoteBrush[] = [];
  for (const [clientId, state] of states) {
    if (clientId === myClientId) continue;
    const brush = state.brush as Partial<RemoteBrush> | null | undefined;
    const user = state.user as { name?: unknown; colour?: unknown } | undefined;
    if (brush == null || typeof brush.x !== 'number' || typeof brush.y !== 'number' || typeof brush.width !== 'number') continue;
    brushes.push({
      clientId,
      name: typeof user?.name === 'string' ? user.name : 'Someone',
      colour: typeof user?.colour === 'string' ? user.colour : '#4f46e5',
      tool: brush.tool === 'eraser' ? 'eraser' : 'brush',
      width: brush.width,
      x: brush.x,
      y: brush.y,
    });
  }
  return brushes;
}

/** Another person's stroke while they draw it (before their pointer-up commits it), from awareness. */
export interface RemoteStroke {
  clientId: number;
  name: string;
  colour: string;
  stroke: CollabMaskStroke;
}

/**
 * Others' strokes in progress from awareness states (mine excluded). A state's `stroke` is checked
 * like the server checks a committed one (tool, width, whole points within the per-stroke limit):
 * anything else is skipped.
 */
export function remoteStrokes(states: ReadonlyMap<number, Record<string, unknown>>, myClientId: number): RemoteStroke[] {
  const strokes: RemoteStroke[] = [];
  for (const [clientId, state] of states) {
    if (clientId === myClientId) continue;
    const stroke = state.stroke as Partial<CollabMaskStroke> | null | undefined;
    if (stroke == null || typeof stroke.width !== 'number' || !Array.isArray(stroke.points)) continue;
    const points = stroke.points;
    if (points.length < 2 || points.length > maskLimits.pointsPerStroke || !points.every((value) => typeof value === 'number' && Number.isFinite(value))) continue;
    const user = state.user as { name?: unknown; colour?: unknown } | undefined;
    strokes.push({
      clientId,
      name: typeof user?.name === 'string' ? user.name : 'Someone',
      colour: typeof user?.colour === 'string' ? user.colour : '#4f46e5',
      stroke: { tool: stroke.tool === 'eraser' ? 'eraser' : 'brush', width: clampWidth(stroke.width), points: points.slice(0, points.length - (points.length % 2)) },
    });
  }
  return strokes;
}

/** The drawing calls a mask needs; a CanvasRenderingContext2D satisfies it. */
export interface MaskPainter {
  globalCompositeOperation: GlobalCompositeOperation;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  lineWidth: number;
  lineCap: CanvasLineCap;
  lineJoin: CanvasLineJoin;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
}

/**
 * Draws strokes in order, the way the server renders the mask it sends (mask-render.ts): a brush
 * paints `paint`, an eraser paints `erase` (or, with `erase` undefined, clears what is under it),
 * round caps and joins, a tap is a dot. `scale` maps source pixels to the target.
 */
export function paintStrokes(painter: MaskPainter, strokes: readonly CollabMaskStroke[], scale: number, paint: string, erase?: string): void {
  painter.lineCap = 'round';
  painter.lineJoin = 'round';
  for (const stroke of strokes) {
    const erasing = stroke.tool === 'eraser';
    painter.globalCompositeOperation = erasing && erase === undefined ? 'destination-out' : 'source-over';
    painter.strokeStyle = erasing ? (erase ?? '#000') : paint;
    painter.lineWidth = stroke.width * scale;
    painter.beginPath();
    const points = stroke.points;
    const x0 = (points[0] ?? 0) * scale;
    const y0 = (points[1] ?? 0) * scale;
    painter.moveTo(x0, y0);
    if (points.length <= 2) painter.lineTo(x0, y0);
    for (let index = 2; index + 1 < points.length; index += 2) painter.lineTo((points[index] ?? 0) * scale, (points[index + 1] ?? 0) * scale);
    painter.stroke();
  }
  painter.globalCompositeOperation = 'source-over';
}

/** Share of the image the mask covers (0 to 1) from RGBA pixels painted white-on-black: grey level counts, as on the server. */
export function coverageOf(rgba: ArrayLike<number>): number {
  const pixels = Math.floor(rgba.length / 4);
  if (pixels === 0) return 0;
  let white = 0;
  for (let index = 0; index < rgba.length; index += 4) white += rgba[index] ?? 0;
  return Math.min(1, Math.max(0, white / (255 * pixels)));
}
