import type {
  AutoTopUpSettings,
  AutoTopUpView,
  BillingStatus,
  CheckoutSessionView,
  PaidTierId,
  PortalSessionView,
  SettleDeficitView,
  SubscriptionChangeView,
  SubscriptionView,
  CreditPackageId,
} from '@atelier/contracts';
import { api, unwrap } from '../api/client.js';

/**
 * The billing endpoints (/api/orgs/:orgId/billing/…), typed by libs/contracts/src/billing.ts.
 * They go through the app's client (CSRF header, error bodies) but name their paths as plain
 * strings: the generated schema.d.ts did not list them yet when this page was written. Once it
 * does, these can become typed `api.GET('/api/orgs/{orgId}/billing', …)` calls.
 */
type Result<T> = { data: T; error?: never; response: Response } | { data?: never; error: unknown; response: Response };
interface Init {
  params: { path: { orgId: string } };
  body?: unknown;
}
interface UntypedClient {
  GET<T>(path: string, init: Init): Promise<Result<T>>;
  POST<T>(path: string, init: Init): Promise<Result<T>>;
  PUT<T>(path: string, init: Init): Promise<Result<T>>;
}
const client = api as unknown as UntypedClient;
const path = (orgId: string) => ({ params: { path: { orgId } } });

export function loadBillingStatus(orgId: string): Promise<BillingStatus> {
  return unwrap(client.GET<BillingStatus>('/api/orgs/{orgId}/billing', path(orgId)));
}

export function startCheckout(orgId: string, packageId: CreditPackageId, returnPath: string): Promise<CheckoutSessionView> {
  return unwrap(client.POST<CheckoutSessionView>('/api/orgs/{orgId}/billing/checkout', { ...path(orgId), body: { packageId, returnPath } }));
}

export function changeSubscription(orgId: string, tier: PaidTierId, returnPath: string): Promise<SubscriptionChangeView> {
  return unwrap(client.POST<SubscriptionChangeView>('/api/orgs/{orgId}/billing/subscription', { ...path(orgId), body: { tier, returnPath } }));
}

export function cancelSubscription(orgId: string, cancel: boolean): Promise<SubscriptionView> {
  return unwrap(client.POST<SubscriptionView>('/api/orgs/{orgId}/billing/subscription/cancel', { ...path(orgId), body: { cancel } }));
}

export function openPortal(orgId: string, returnPath: string): Promise<PortalSessionView> {
  return unwrap(client.POST<PortalSessionView>('/api/orgs/{orgId}/billing/portal', { ...path(orgId), body: { returnPath } }));
}

export function saveAutoTopUp(orgId: string, settings: AutoTopUpSettings): Promise<AutoTopUpView> {
  return unwrap(client.PUT<AutoTopUpView>('/api/orgs/{orgId}/billing/auto-top-up', { ...path(orgId), body: settings }));
}

export function settleDeficit(orgId: string): Promise<SettleDeficitView> {
  return unwrap(client.POST<SettleDeficitView>('/api/orgs/{orgId}/billing/deficit/settle', path(orgId)));
}
