import { can } from '@atelier/contracts';
import * as billing from '#lib/billing/billing-api.js';
import { attempt, parentOrganization } from '#lib/load.js';
import type { PageLoad } from './$types';

// Billing status (owners and managers): packages, tiers, subscription, auto top-up, payments.
export const load: PageLoad = async ({ params, parent, depends }) => {
  depends('app:billing');
  const organization = await parentOrganization(parent);
  if (!organization.ok) return { status: organization };
  if (!can(organization.value.role, 'billing.read')) return { status: undefined };
  return { status: await attempt(billing.loadBillingStatus(params.orgId)) };
};
