import { can } from '@atelier/contracts';
import { api, unwrap } from '#lib/api/client.js';
import { attempt, parentOrganization } from '#lib/load.js';
import { transactionFilterQuery, transactionFiltersFromSearch, transactionPageSize } from '#lib/usage/transactions.js';
import { rangePresets, usageViewFromSearch } from '#lib/usage/usage-view.js';
import { lastBuckets } from '#lib/usage/zoned-time.js';
import type { PageLoad } from './$types';

// Usage for the view in the URL (range, grouping, whose spend) and, for managers, the first page of
// transactions for the filters in the URL: every change is a navigation that runs this again.
export const load: PageLoad = async ({ params, url, parent, depends }) => {
  depends('app:usage');
  const organization = await parentOrganization(parent);
  if (!organization.ok) return { report: organization, costs: undefined, transactions: undefined, projects: [], members: [] };
  const { role, timeZone } = organization.value;
  const path = { orgId: params.orgId };
  const view = usageViewFromSearch(url.searchParams, can(role, 'members.read'));
  const preset = rangePresets[view.range];
  const range = lastBuckets(new Date(), preset.count, preset.bucket, timeZone);
  const period = { from: range.from.toISOString(), to: range.to.toISOString() };
  const filters = transactionFiltersFromSearch(url.searchParams);
  const [report, costs, transactions, projects, members] = await Promise.all([
    attempt(unwrap(api.GET('/api/orgs/{orgId}/usage/spend', { params: { path, query: { groupBy: view.groupBy, bucket: preset.bucket, scope: view.scope, ...period } } }))),
    // Credits charged against provider cost (owners), over the same period as the spend.
    can(role, 'billing.manage') ? attempt(unwrap(api.GET('/api/orgs/{orgId}/usage/provider-costs', { params: { path, query: period } }))) : undefined,
    can(role, 'audit.read')
      ? attempt(unwrap(api.GET('/api/orgs/{orgId}/usage/transactions', { params: { path, query: { ...transactionFilterQuery(filters), limit: transactionPageSize } } })))
      : undefined,
    // Names for the chart and the transaction filters.
    unwrap(api.GET('/api/orgs/{orgId}/projects', { params: { path } })).catch(() => []),
    can(role, 'members.read') ? unwrap(api.GET('/api/orgs/{orgId}/members', { params: { path } })).then((list) => list.sort((a, b) => a.name.localeCompare(b.name))).catch(() => []) : [],
  ]);
  return { report, costs, transactions, projects, members };
};
