import { describe, expect, it } from 'vitest';
import { dateRangeProblem, emptyGalleryFilters, filtersFromSearch, filtersToSearch, galleryQuery } from './gallery-filters.js';

const author = '6f1c2a52-8a39-4d7e-9a55-0d6f3f0c1a11';

describe('gallery filters', () => {
  it('round-trips through the URL', () => {
    const filters = { ...emptyGalleryFilters, authorId: author, modelId: 'flux-dev', fromDay: '2026-11-01', toDay: '2026-11-22' };
    const search = filtersToSearch(filters);
    expect(search.toString()).toBe(`author=${author}&model=flux-dev&from=2026-11-01&to=2026-11-22`);
    expect(filtersFromSearch(search)).toEqual(filters);
  });

  it('drops values from a hand-edited link that the API would refuse', () => {
    const filters = filtersFromSearch(new URLSearchParams('author=bob&from=2026-02-30&to=yesterday&operation=inpaint'));
    expect(filters).toEqual({ ...emptyGalleryFilters, operation: 'inpaint' });
  });

  it('asks the API for whole local days, the last one included', () => {
    const query = galleryQuery({ ...emptyGalleryFilters, fromDay: '2026-11-01', toDay: '2026-11-01' }, 'abc', 30);
    expect(query).toEqual({ limit: 30, cursor: 'abc', from: new Date(2026, 10, 1).toISOString(), to: new Date(2026, 10, 2).toISOString() });
  });

  it('explains a reversed date range', () => {
    expect(dateRangeProblem({ ...emptyGalleryFilters, fromDay: '2026-11-05', toDay: '2026-11-01' })).toMatch(/swap them/);
    expect(dateRangeProblem({ ...emptyGalleryFilters, fromDay: '2026-11-01' })).toBeUndefined();
  });
});
