import type { AssetView, GalleryPage } from '@atelier/contracts';
import { describe, expect, test } from 'vitest';
import { appendPage, galleryList } from './gallery-list.js';

const asset = (id: string) => ({ id }) as AssetView;
const page = (ids: string[], nextCursor: string | null): GalleryPage => ({ assets: ids.map(asset), totals: [], nextCursor });
const ids = (list: { assets: AssetView[] }) => list.assets.map((entry) => entry.id);

describe('the gallery grid', () => {
  test('without more pages it is the loaded first page', () => {
    const list = galleryList(page(['c', 'b'], 'cur1'), undefined, '');
    expect(ids(list)).toEqual(['c', 'b']);
    expect(list.nextCursor).toBe('cur1');
    expect(galleryList(undefined, undefined, '')).toEqual({ assets: [], nextCursor: null });
  });

  test('Load more appends the unseen images of the next page and continues from its cursor', () => {
    const first = page(['d', 'c'], 'cur1');
    const below = appendPage(galleryList(first, undefined, '').assets, page(['c', 'b', 'a'], null), '');
    const list = galleryList(first, below, '');
    expect(ids(list)).toEqual(['d', 'c', 'b', 'a']);
    expect(list.nextCursor).toBeNull();
  });

  test('a newer first page puts new images on top and keeps what was shown below', () => {
    const below = appendPage(['d', 'c'].map(asset), page(['b'], 'cur2'), '');
    const list = galleryList(page(['e', 'd'], 'cur-new'), below, '');
    expect(ids(list)).toEqual(['e', 'd', 'c', 'b']);
    expect(list.nextCursor).toBe('cur2');
  });

  test('pages loaded for other filters are not shown', () => {
    const below = appendPage(['d'].map(asset), page(['c'], null), 'model=a');
    const list = galleryList(page(['x'], 'cur'), below, 'model=b');
    expect(ids(list)).toEqual(['x']);
    expect(list.nextCursor).toBe('cur');
  });
});
