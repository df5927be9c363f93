import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutoTopUpView, NotificationPage } from '@atelier/contracts';
import { expectStatus, submitAndWait } from '../world.js';
import { billingStatus, buyPackage, deliverAll, eventually, pool, startBillingApp, team, type BillingWorld, type Team } from './billing-world.js';

const cheapJob = { request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 }, prompt: 'auto top-up' };

describe('auto top-up', () => {
  let world: BillingWorld;
  beforeAll(async () => {
    world = await startBillingApp({ AUTO_TOP_UP_RETRY_DELAY_MS: '1000' });
  });
  afterAll(async () => {
    await world.close();
  });

  function topUpsOf(studio: Team): Record<string, unknown>[] {
    return world.stripe.createdPaymentIntents().filter((intent) => (intent.metadata as Record<string, string>).organizationId === studio.organizationId);
  }

  async function enable(studio: Team, thresholdCredits: number): Promise<AutoTopUpView> {
    const response = await studio.owner.client.put<AutoTopUpView>(`/orgs/${studio.organizationId}/billing/auto-top-up`, {
      enabled: true,
      thresholdCredits,
      packageId: 'bulk',
      monthlyCeilingCents: 100_000,
    });
    expectStatus(response, 200);
    return response.body;
  }

  it('needs a saved card', async () => {
    const studio = await team(world.server, 'nocard');
    const response = await studio.owner.client.put(`/orgs/${studio.organizationId}/billing/auto-top-up`, { enabled: true, thresholdCredits: 100, packageId: 'starter', monthlyCeilingCents: 5_000 });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'payment_method_required' });
  });

  it('pays exactly once when 50 concurrent jobs take the balance below the threshold', async () => {
    const studio = await team(world.server, 'fifty');
    await buyPackage(world, studio, 'standard');
    expect(await enable(studio, 4_800)).toMatchObject({ enabled: true, thresholdCredits: 4_800, packageId: 'bulk', consecutiveFailures: 0 });
    expect(topUpsOf(studio)).toHaveLength(0); // 5,000 is above the line

    const submitted = await Promise.all(Array.from({ length: 50 }, (_unused, index) => (index % 2 === 0 ? studio.member : studio.owner).client.post(`/orgs/${studio.organizationId}/jobs`, cheapJob)));
    expect(submitted.map((response) => response.status)).toEqual(Array.from({ length: 50 }, () => 201));

    const topped = await eventually(() => billingStatus(studio), (status) => status.autoTopUp.lastAttemptStatus === 'succeeded');
    expect(topped.autoTopUp).toMatchObject({ spentThisMonthCents: 20_000, consecutiveFailures: 0 });
    // Let every job finish: their captures announce balances too, all above the line now.
    await eventually(() => pool(studio), (balance) => balance.pendingCredits === 0, 30_000);
    expect(topUpsOf(studio)).toHaveLength(1);
    expect(topUpsOf(studio)[0]).toMatchObject({ amount: 20_000, payment_method: expect.stringMatching(/^pm_card_/) as string });
    const balance = await pool(studio);
    expect(balance.availableCredits).toBe(5_000 - 50 * 10 + 25_000);
    // Its payment_intent.succeeded webhook arriving later grants nothing more.
    const intent = topUpsOf(studio)[0] ?? {};
    await deliverAll(world, [world.stripe.event('payment_intent.succeeded', intent)]);
    expect((await pool(studio)).availableCredits).toBe(balance.availableCredits);
  });

  it('switches itself off after 3 failed payments in a row and tells the owners', async () => {
    const studio = await team(world.server, 'declined');
    await buyPackage(world, studio, 'standard');
    await enable(studio, 4_995);
    world.stripe.declineOffSession = true;
    try {
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        // The job's hold crosses the line (a try); its capture a moment later finds the last try too recent.
        expect((await submitAndWait(studio.member.client, studio.organizationId, cheapJob)).status).toBe('succeeded');
        await eventually(() => billingStatus(studio), (status) => status.autoTopUp.consecutiveFailures >= attempt);
        expect((await billingStatus(studio)).autoTopUp.consecutiveFailures).toBe(attempt);
        await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the retry delay
      }
      const status = await billingStatus(studio);
      expect(status.autoTopUp).toMatchObject({ enabled: false, consecutiveFailures: 3, lastAttemptStatus: 'failed' });
      expect(status.autoTopUp.disabledReason).toMatch(/3 failed payments/);
      expect(topUpsOf(studio)).toHaveLength(3);
      expect(status.payments.filter((payment) => payment.kind === 'auto_top_up').map((payment) => payment.status)).toEqual(['failed', 'failed', 'failed']);

      const notifications = await eventually(
        async () => (await studio.owner.client.get<NotificationPage>(`/orgs/${studio.organizationId}/notifications`)).body,
        (page) => page.notifications.some((notification) => notification.kind === 'auto_topup_disabled'),
      );
      expect(notifications.notifications.filter((notification) => notification.kind === 'payment_failed')).toHaveLength(3);

      // Off means off: more spending below the line buys nothing.
      expectStatus(await studio.member.client.post(`/orgs/${studio.organizationId}/jobs`, cheapJob), 201);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(topUpsOf(studio)).toHaveLength(3);
    } finally {
      world.stripe.declineOffSession = false;
    }
  });
});
