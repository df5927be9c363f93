import { usageGroupBys, type SpendQuery } from '@atelier/contracts';

export type UsageGroupBy = (typeof usageGroupBys)[number];
export type UsageScope = SpendQuery['scope'];

export const rangePresets = {
  '7d': { label: 'Last 7 days', count: 7, bucket: 'day' },
  '30d': { label: 'Last 30 days', count: 30, bucket: 'day' },
  '12w': { label: 'Last 12 weeks', count: 12, bucket: 'week' },
  '12m': { label: 'Last 12 months', count: 12, bucket: 'month' },
} as const satisfies Record<string, { label: string; count: number; bucket: SpendQuery['bucket'] }>;
export type RangePreset = keyof typeof rangePresets;

export const groupByLabels: Readonly<Record<UsageGroupBy, string>> = {
  member: 'Member',
  model: 'Model',
  project: 'Project',
  operation: 'Operation',
};

/** What the usage page shows, as its URL carries it (?range=30d&group=model&scope=me). */
export interface UsageView {
  range: RangePreset;
  groupBy: UsageGroupBy;
  scope: UsageScope;
}

/**
 * Reads the view from the URL. Members only ever see their own spend (the API refuses them the
 * org's), and grouping one's own spend by member says nothing, so it falls back to model.
 */
export function usageViewFromSearch(search: Pick<URLSearchParams, 'get'>, canSeeOrg: boolean): UsageView {
  const range = search.get('range');
  const group = search.get('group');
  const scope: UsageScope = canSeeOrg && search.get('scope') !== 'me' ? 'org' : 'me';
  let groupBy: UsageGroupBy = (usageGroupBys as readonly (string | null)[]).includes(group) ? (group as UsageGroupBy) : scope === 'org' ? 'member' : 'model';
  if (scope === 'me' && groupBy === 'member') groupBy = 'model';
  return { range: range !== null && range in rangePresets ? (range as RangePreset) : '30d', groupBy, scope };
}

export function usageViewToSearch(view: UsageView): URLSearchParams {
  return new URLSearchParams({ range: view.range, group: view.groupBy, scope: view.scope });
}

/** The groupings offered for a scope. */
export function groupBysFor(scope: UsageScope): UsageGroupBy[] {
  return usageGroupBys.filter((groupBy) => scope === 'org' || groupBy !== 'member');
}
