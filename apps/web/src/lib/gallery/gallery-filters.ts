import type { GalleryQuery } from '@atelier/contracts';

/** The gallery's filters as the URL carries them, so a filtered gallery can be linked and reloaded. */
export interface GalleryFilters {
  authorId: string;
  modelId: string;
  operation: string;
  projectId: string;
  /** Calendar days (yyyy-mm-dd) in the viewer's time zone, both included; '' for open-ended. */
  fromDay: string;
  toDay: string;
}

export const emptyGalleryFilters: GalleryFilters = { authorId: '', modelId: '', operation: '', projectId: '', fromDay: '', toDay: '' };

const parameterNames = {
  authorId: 'author',
  modelId: 'model',
  operation: 'operation',
  projectId: 'project',
  fromDay: 'from',
  toDay: 'to',
} as const satisfies Record<keyof GalleryFilters, string>;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** Reads filters from a URL, dropping values the API would refuse (a hand-edited link must not break the page). */
export function filtersFromSearch(search: Pick<URLSearchParams, 'get'>): GalleryFilters {
  const read = (key: keyof GalleryFilters): string => search.get(parameterNames[key])?.trim() ?? '';
  const keepIf = (value: string, valid: boolean): string => (valid ? value : '');
  const authorId = read('authorId');
  const projectId = read('projectId');
  const modelId = read('modelId');
  const operation = read('operation');
  const fromDay = read('fromDay');
  const toDay = read('toDay');
  return {
    authorId: keepIf(authorId, uuidPattern.test(authorId)),
    projectId: keepIf(projectId, uuidPattern.test(projectId)),
    modelId: keepIf(modelId, modelId.length <= 64),
    operation: keepIf(operation, operation.length <= 40),
    fromDay: keepIf(fromDay, isDay(fromDay)),
    toDay: keepIf(toDay, isDay(toDay)),
  };
}

/** The URL search of a set of filters: only the ones set, in a stable order. */
export function filtersToSearch(filters: GalleryFilters): URLSearchParams {
  const search = new URLSearchParams();
  for (const key of Object.keys(parameterNames) as (keyof GalleryFilters)[]) {
    if (filters[key] !== '') search.set(parameterNames[key], filters[key]);
  }
  return search;
}

export function activeFilterCount(filters: GalleryFilters): number {
  return Object.values(filters).filter((value) => value !== '').length;
}

/**
 * The API query for a page of the gallery. Days become instants at local midnight: `to` is the
 * midnight after the last day, since the API's `to` is exclusive.
 */
export function galleryQuery(filters: GalleryFilters, cursor: string | null, limit: number): Partial<GalleryQuery> & { limit: number } {
  const query: Partial<GalleryQuery> & { limit: number } = { limit };
  if (filters.authorId !== '') query.authorId = filters.authorId;
  if (filters.modelId !== '') query.modelId = filters.modelId;
  if (filters.operation !== '') query.operation = filters.operation;
  if (filters.projectId !== '') query.projectId = filters.projectId;
  if (filters.fromDay !== '') query.from = localMidnight(filters.fromDay, 0).toISOString();
  if (filters.toDay !== '') query.to = localMidnight(filters.toDay, 1).toISOString();
  if (cursor !== null) query.cursor = cursor;
  return query;
}

/** A sentence for the people reading what the filters select, e.g. when nothing matches. */
export function dateRangeProblem(filters: GalleryFilters): string | undefined {
  if (filters.fromDay !== '' && filters.toDay !== '' && filters.fromDay > filters.toDay) {
    return 'The "From" day is after the "To" day: swap them or clear one.';
  }
  return undefined;
}

function isDay(value: string): boolean {
  if (!dayPattern.test(value)) return false;
  const [year, month, day] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(year, month - 1, day);
  return date.getFullYear() === year && date.getMonth() === month - 1 && date.getDate() === day;
}

function localMidnight(day: string, addDays: number): Date {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(year, month - 1, date + addDays);
}
