import pg from 'pg';
import type { Provider } from '@nestjs/common';
import type { BillingStatus, CheckoutSessionView, OrganizationView, PoolView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { addMember, expectStatus, signedUp, type Member } from '../world.js';
import { startFakeStripe, type FakeStripe } from './fake-stripe.js';

export interface BillingWorld {
  server: TestApp;
  stripe: FakeStripe;
  close(): Promise<void>;
}

/** The real server with Stripe configured, its SDK pointed at a local fake (STRIPE_API_URL). */
export async function startBillingApp(environment: Record<string, string> = {}, overrides: Provider[] = []): Promise<BillingWorld> {
  const stripe = await startFakeStripe();
  const server = await startTestApp(
    {
      STRIPE_SECRET_KEY: 'sk_test_atelier',
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_URL: stripe.baseUrl,
      ...environment,
    },
    overrides,
  );
  return {
    server,
    stripe,
    close: async () => {
      await server.close();
      await stripe.close();
    },
  };
}

export interface Team {
  owner: Member;
  member: Member;
  organizationId: string;
}

export async function team(server: TestApp, label: string): Promise<Team> {
  const owner = await signedUp(server, `${label}-owner`);
  const created = await owner.client.post<OrganizationView>('/orgs', { name: `${label} studio` });
  expectStatus(created, 201);
  const member = await addMember(server, owner.client, created.body.id, 'member', `${label}-member`);
  return { owner, member, organizationId: created.body.id };
}

export async function pool(team: Team): Promise<PoolView> {
  const response = await team.owner.client.get<PoolView>(`/orgs/${team.organizationId}/pool`);
  expectStatus(response, 200);
  return response.body;
}

export async function billingStatus(team: Team): Promise<BillingStatus> {
  const response = await team.owner.client.get<BillingStatus>(`/orgs/${team.organizationId}/billing`);
  expectStatus(response, 200);
  return response.body;
}

/** Starts a package Checkout as the owner and pays it in the fake; returns the events Stripe sends. */
export async function payForPackage(world: BillingWorld, owner: Team, packageId: 'starter' | 'standard' | 'bulk'): Promise<{ session: CheckoutSessionView; events: Record<string, unknown>[] }> {
  const response = await owner.owner.client.post<CheckoutSessionView>(`/orgs/${owner.organizationId}/billing/checkout`, { packageId });
  expectStatus(response, 201);
  return { session: response.body, events: world.stripe.completeCheckout(response.body.sessionId) };
}

/** Buys a package end to end (Checkout, paid, webhook delivered once). */
export async function buyPackage(world: BillingWorld, owner: Team, packageId: 'starter' | 'standard' | 'bulk'): Promise<void> {
  const { events } = await payForPackage(world, owner, packageId);
  for (const event of events) expectStatus(await world.stripe.deliver(world.server.url, event), 200);
}

export async function deliverAll(world: BillingWorld, events: readonly Record<string, unknown>[]): Promise<void> {
  for (const event of events) expectStatus(await world.stripe.deliver(world.server.url, event), 200);
}

/** A plain query on the test database. */
export async function sql<Row extends object>(server: TestApp, text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: server.database.url });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function eventually<T>(read: () => Promise<T>, until: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${String(timeoutMs)} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
