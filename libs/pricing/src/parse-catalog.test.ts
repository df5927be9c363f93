import { describe, expect, it } from 'vitest';
import { at, edited } from '../test/edit-json.js';
import { listA } from './catalogs.js';
import { loadBuiltInCatalog, parseCatalog } from './parse-catalog.js';
import defaultData from './catalogs/default.json' with { type: 'json' };
import listAData from './catalogs/list-a.json' with { type: 'json' };
import listBData from './catalogs/list-b.json' with { type: 'json' };

/** The issues of the default catalog with values changed at dotted paths. */
function issuesAfter(changes: Record<string, unknown>) {
  const result = parseCatalog(edited(defaultData, changes));
  return result.ok ? [] : result.issues;
}

describe('parseCatalog', () => {
  it('accepts the three shipped catalogs', () => {
    for (const data of [listAData, listBData, defaultData]) expect(parseCatalog(data)).toMatchObject({ ok: true });
  });

  it('returns a frozen copy, leaving the input alone', () => {
    const input = structuredClone(listAData);
    const result = parseCatalog(input);
    if (!result.ok) throw new Error('expected a catalog');
    expect(result.catalog).toEqual(input);
    expect(result.catalog).not.toBe(input);
    expect(Object.isFrozen(result.catalog.models[0]?.size)).toBe(true);
    expect(Object.isFrozen(input.models)).toBe(false);
    expect(Object.isFrozen(listA.models[0]?.operations['text-to-image']?.pricing)).toBe(true);
  });

  it('names the path of a field of the wrong type or range', () => {
    expect(issuesAfter({ 'models.1.size.maximumSide': 'big' })).toEqual([
      { path: 'models.1.size.maximumSide', message: 'must be a whole number from 1 to 16384' },
    ]);
    expect(issuesAfter({ 'models.0.steps.default': 2.5 })).toMatchObject([{ path: 'models.0.steps.default' }]);
    expect(issuesAfter({ 'models.2.operations.text-to-image.pricing.creditsPerMegapixelStep': 1.0000001 })).toMatchObject([
      { path: 'models.2.operations.text-to-image.pricing.creditsPerMegapixelStep', message: expect.stringContaining('6 decimal places') as unknown },
    ]);
    expect(issuesAfter({ 'models.0.id': 'Flux Schnell' })).toMatchObject([{ path: 'models.0.id', message: expect.stringContaining('slug') as unknown }]);
  });

  it('names unknown keys, kinds and operations', () => {
    expect(issuesAfter({ 'models.1.colour': 'blue' })).toEqual([{ path: 'models.1.colour', message: 'unknown key' }]);
    expect(issuesAfter({ 'models.0.operations.text-to-image.pricing.kind': 'auction' })).toEqual([
      { path: 'models.0.operations.text-to-image.pricing.kind', message: 'must be one of per-megapixel-step, flat, size-tiers' },
    ]);
    expect(issuesAfter({ 'models.0.operations.teleport': at(defaultData, 'models.0.operations.inpaint') })).toEqual([
      { path: 'models.0.operations.teleport', message: 'unknown key' },
    ]);
  });

  it('refuses what is not a catalog at all', () => {
    expect(parseCatalog(null)).toEqual({ ok: false, issues: [{ path: '', message: 'must be an object' }] });
    expect(parseCatalog([])).toMatchObject({ ok: false });
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('boom'); } });
    expect(parseCatalog(hostile)).toEqual({ ok: false, issues: [{ path: '', message: 'could not be read' }] });
  });

  it('throws for a broken built-in catalog, naming the path', () => {
    expect(() => loadBuiltInCatalog(edited(listAData, { models: [] }))).toThrow('Built-in price catalog is invalid at models: must be a list of 1 to 200 entries');
  });
});
