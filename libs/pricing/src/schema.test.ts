import { describe, expect, it } from 'vitest';
import type { CatalogIssue } from './errors.js';
import { invalid, list, object, oneOf, optional, partialRecord, tagged, wholeNumber, type Parser } from './schema.js';

function run<T>(parser: Parser<T>, value: unknown) {
  const issues: CatalogIssue[] = [];
  const output = parser(value, '', issues);
  return { output, issues };
}

describe('schema', () => {
  const point = object<{ x: number; label?: string }>({ x: wholeNumber(0, 10), label: optional(oneOf(['a', 'b'])) });

  it('copies what it accepts, leaving absent optional fields absent', () => {
    const input = { x: 3 };
    const { output } = run(point, input);
    expect(output).toEqual({ x: 3 });
    expect(output).not.toBe(input);
    expect(Object.keys(output as object)).toEqual(['x']);
  });

  it('reports every fault at its path', () => {
    expect(run(list(point, 1, 3), [{ x: 3 }, { x: 11, label: 'c', y: 1 }])).toEqual({
      output: invalid,
      issues: [
        { path: '1.y', message: 'unknown key' },
        { path: '1.x', message: 'must be a whole number from 0 to 10' },
        { path: '1.label', message: 'must be one of a, b' },
      ],
    });
    expect(run(list(point, 1, 3), []).issues).toEqual([{ path: '', message: 'must be a list of 1 to 3 entries' }]);
  });

  it('keys a record from a fixed set', () => {
    const record = partialRecord(['left', 'right'], wholeNumber(0, 1));
    expect(run(record, { left: 1 }).output).toEqual({ left: 1 });
    expect(run(record, { up: 1 }).issues).toEqual([{ path: 'up', message: 'unknown key' }]);
  });

  it('tells variants apart by kind', () => {
    type Shape = { kind: 'dot' } | { kind: 'line'; length: number };
    const shape = tagged<Shape>({ dot: object({ kind: oneOf(['dot']) }), line: object({ kind: oneOf(['line']), length: wholeNumber(1, 9) }) });
    expect(run(shape, { kind: 'line', length: 2 }).output).toEqual({ kind: 'line', length: 2 });
    expect(run(shape, { kind: 'line' }).issues).toEqual([{ path: 'length', message: 'must be a whole number from 1 to 9' }]);
    expect(run(shape, { kind: 'blob' }).issues).toEqual([{ path: 'kind', message: 'must be one of dot, line' }]);
  });
});
