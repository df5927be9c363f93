import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { coverageOf, MaskModel, paintStrokes, remoteBrushes, remoteStrokes, viewToSource, type MaskPainter } from './mask-model.js';

/** Two documents kept in step the way the collab server relays updates. */
function twoPeers(): { a: Y.Doc; b: Y.Doc } {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'remote') Y.applyUpdate(b, update, 'remote');
  });
  b.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'remote') Y.applyUpdate(a, update, 'remote');
  });
  return { a, b };
}

function draw(model: MaskModel, points: [number, number][]): void {
  const [first, ...rest] = points;
  if (first === undefined) return;
  model.begin({ x: first[0], y: first[1] });
  for (const [x, y] of rest) model.extend({ x, y });
  model.end();
}

describe('mask canvas model', () => {
  test("others see a stroke only when it is finished (pointer-up), with its tool, width and points", () => {
    const { a, b } = twoPeers();
    const painter = new MaskModel(a);
    const watcher = new MaskModel(b);
    painter.width = 24;
    painter.begin({ x: 10, y: 10 });
    painter.extend({ x: 40, y: 10 });
    painter.extend({ x: 80, y: 30 });
    expect(watcher.committed()).toEqual([]);
    expect(painter.inProgress()?.points).toEqual([10, 10, 40, 10, 80, 30]);

    painter.end();
    expect(watcher.committed()).toEqual([{ tool: 'brush', width: 24, points: [10, 10, 40, 10, 80, 30] }]);
    expect(painter.inProgress()).toBeUndefined();
  });

  test('undo takes back my latest stroke only; the others\' strokes stay', () => {
    const { a, b } = twoPeers();
    const mine = new MaskModel(a);
    const theirs = new MaskModel(b);
    draw(mine, [[1, 1], [50, 50]]);
    theirs.tool = 'eraser';
    draw(theirs, [[5, 5], [60, 5]]);
    draw(mine, [[100, 100], [150, 120]]);
    expect(mine.committed()).toHaveLength(3);

    expect(mine.undo()).toBe(true);
    expect(theirs.committed().map((stroke) => stroke.points[0])).toEqual([1, 5]);
    expect(mine.undo()).toBe(true);
    expect(mine.committed()).toEqual([{ tool: 'eraser', width: 40, points: [5, 5, 60, 5] }]);
    expect(mine.canUndo()).toBe(false);
    expect(mine.undo()).toBe(false);
    expect(theirs.committed()).toHaveLength(1);
  });

  test('clear removes everyone\'s strokes, and my undo brings them back', () => {
    const { a, b } = twoPeers();
    const mine = new MaskModel(a);
    const theirs = new MaskModel(b);
    draw(theirs, [[1, 1], [20, 20]]);
    draw(mine, [[30, 30], [40, 40]]);
    mine.clear();
    expect(theirs.committed()).toEqual([]);
    mine.undo();
    expect(theirs.committed()).toHaveLength(2);
  });

  test('points too close together are not recorded, and a tap is a one-point stroke', () => {
    const doc = new Y.Doc();
    const model = new MaskModel(doc);
    model.begin({ x: 10, y: 10 });
    expect(model.extend({ x: 10.5, y: 10.5 })).toBe(false);
    expect(model.extend({ x: 12, y: 10 })).toBe(true);
    model.end();
    draw(model, [[70, 70]]);
    expect(model.committed().map((stroke) => stroke.points)).toEqual([[10, 10, 12, 10], [70, 70]]);
  });

  test('the brush width is kept within what the server accepts', () => {
    const model = new MaskModel(new Y.Doc());
    model.width = 5000;
    draw(model, [[1, 1]]);
    model.width = 0;
    draw(model, [[2, 2]]);
    expect(model.committed().map((stroke) => stroke.width)).toEqual([1024, 1]);
  });

  test('a stroke stops growing at the per-stroke point limit', () => {
    const model = new MaskModel(new Y.Doc());
    model.begin({ x: 0, y: 0 });
    let accepted = 0;
    for (let step = 1; step <= 2_100; step += 1) if (model.extend({ x: step * 2, y: 0 })) accepted += 1;
    model.end();
    expect(accepted).toBe(1_999);
    expect(model.committed()[0]?.points).toHaveLength(4_000);
  });

  test('pointer positions map from the displayed canvas to source pixels, clamped to the image', () => {
    const view = { width: 400, height: 300 };
    const source = { width: 1024, height: 768 };
    expect(viewToSource({ x: 200, y: 150 }, view, source)).toEqual({ x: 512, y: 384 });
    expect(viewToSource({ x: -20, y: 400 }, view, source)).toEqual({ x: 0, y: 768 });
  });

  test("others' brushes come from awareness, mine excluded", () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, { user: { name: 'Me', colour: 'red' }, brush: { tool: 'brush', width: 10, x: 1, y: 2 } }],
      [2, { user: { name: 'Bea', colour: 'blue' }, brush: { tool: 'eraser', width: 30, x: 100, y: 50 } }],
      [3, { user: { name: 'Cy', colour: 'green' }, brush: null }],
    ]);
    expect(remoteBrushes(states, 1)).toEqual([{ clientId: 2, name: 'Bea', colour: 'blue', tool: 'eraser', width: 30, x: 100, y: 50 }]);
  });

  test("others' strokes in progress come from awareness, mine excluded and malformed ones skipped", () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, { user: { name: 'Me', colour: 'red' }, stroke: { tool: 'brush', width: 10, points: [1, 2, 3, 4] } }],
      [2, { user: { name: 'Bea', colour: 'blue' }, stroke: { tool: 'eraser', width: 30, points: [100, 50, 120, 60] } }],
      [3, { user: { name: 'Cy', colour: 'green' }, stroke: null }],
      [4, { user: { name: 'Di' }, stroke: { tool: 'brush', width: 9000, points: [5, 6, 7] } }],
      [5, { user: { name: 'Ed' }, stroke: { tool: 'brush', width: 12, points: [1, 'x'] } }],
      [6, { user: { name: 'Flo' }, stroke: { tool: 'brush', width: 12, points: new Array(4_002).fill(1) } }],
    ]);
    expect(remoteStrokes(states, 1)).toEqual([
      { clientId: 2, name: 'Bea', colour: 'blue', stroke: { tool: 'eraser', width: 30, points: [100, 50, 120, 60] } },
      // Width kept to what the server accepts, an odd trailing number dropped.
      { clientId: 4, name: 'Di', colour: '#4f46e5', stroke: { tool: 'brush', width: 1024, points: [5, 6] } },
    ]);
  });

  test('strokes are painted in order, erasers over brushes, scaled to the target', () => {
    const calls: string[] = [];
    const painter: MaskPainter = {
      globalCompositeOperation: 'source-over',
      strokeStyle: '',
      lineWidth: 0,
      lineCap: 'butt',
      lineJoin: 'miter',
      beginPath: () => calls.push('begin'),
      moveTo: (x, y) => calls.push(`move ${String(x)},${String(y)}`),
      lineTo: (x, y) => calls.push(`line ${String(x)},${String(y)}`),
      stroke: () => calls.push(`stroke ${painter.strokeStyle as string} ${String(painter.lineWidth)} ${painter.globalCompositeOperation}`),
    };
    paintStrokes(painter, [{ tool: 'brush', width: 10, points: [0, 0, 10, 20] }, { tool: 'eraser', width: 4, points: [5, 5] }], 0.5, '#fff');
    expect(calls).toEqual(['begin', 'move 0,0', 'line 5,10', 'stroke #fff 5 source-over', 'begin', 'move 2.5,2.5', 'line 2.5,2.5', 'stroke #000 2 destination-out']);
    expect(painter.lineCap).toBe('round');
  });

  test('coverage is the grey level over the whole image', () => {
    // Four pixels: one white, one half grey, two black.
    expect(coverageOf([255, 255, 255, 255, 128, 128, 128, 255, 0, 0, 0, 255, 0, 0, 0, 255])).toBeCloseTo((255 + 128) / (255 * 4));
    expect(coverageOf([])).toBe(0);
  });
});
