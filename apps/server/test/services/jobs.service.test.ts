import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/common/error.filter.js';
import { cheapRequest, jobServices, madeImage, ORG, submitter } from './job-fakes.js';

/** The jobs services' own rules, over in-memory repositories (milliseconds per test). */
describe('JobsService and JobEndingService over fakes', () => {
  it('submit places the job, its hold and its queue entry together, and announces them', async () => {
    const world = jobServices({ credits: 1_000 });
    const { view, replayed } = await world.service.submit(submitter, cheapRequest(2), undefined);
    expect(replayed).toBe(false);
    const price = view.job.priceCredits;
    expect(price).toBeGreaterThan(0);
    expect(view.job).toMatchObject({ status: 'queued', variations: 2, unitCredits: price / 2 });
    expect(view.balances.pool).toMatchObject({ availableCredits: 1_000 - price, pendingCredits: price });
    expect(world.queue.has(view.job.id)).toBe(true);
    expect(world.ledger.holds.get(view.job.id)).toMatchObject({ credits: price, state: 'pending' });
    expect(world.published.map((event) => event.name)).toEqual(['balance.changed', 'member-spend.changed', 'job.changed']);
  });

  it('a refused hold keeps nothing: no job, no queue entry, and a 402 with the figures', async () => {
    const world = jobServices({ credits: 5 });
    const refused = await world.service.submit(submitter, cheapRequest(1), undefined).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).getStatus()).toBe(402);
    expect((refused as ApiError).getResponse()).toMatchObject({ code: 'insufficient_credits', availableCredits: 5 });
    expect(world.jobs.rows.size).toBe(0);
    expect(world.queue.size).toBe(0);
    expect(world.published).toEqual([]);
  });

  it('a retry with the same Idempotency-Key answers with the first job; another body with it is a 409', async () => {
    const world = jobServices({ credits: 1_000 });
    const first = await world.service.submit(submitter, cheapRequest(1), 'key-1');
    const again = await world.service.submit(submitter, cheapRequest(1), 'key-1');
    expect(again).toMatchObject({ replayed: true, view: { job: { id: first.view.job.id } } });
    expect(world.ledger.holds.size).toBe(1);
    const other = await world.service.submit(submitter, cheapRequest(2), 'key-1').catch((error: unknown) => error);
    expect((other as ApiError).getResponse()).toMatchObject({ code: 'id_conflict', field: 'Idempotency-Key' });
  });

  it('cancelling a queued job ends it at once, out of the queue, its hold released', async () => {
    const world = jobServices({ credits: 1_000 });
    const { view } = await world.service.submit(submitter, cheapRequest(1), undefined);
    const cancelled = await world.service.cancel(ORG, view.job.id, submitter.userId, false);
    expect(cancelled).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect(world.queue.has(view.job.id)).toBe(false);
    expect(world.ledger.holds.get(view.job.id)?.state).toBe('released');
    expect(world.ledger.available).toBe(1_000);
    const twice = await world.service.cancel(ORG, view.job.id, submitter.userId, false).catch((error: unknown) => error);
    expect((twice as ApiError).getStatus()).toBe(409);
  });

  it("cancelling a running job asks its runner to stop; another member's job is not found", async () => {
    const world = jobServices({ credits: 1_000 });
    const { view } = await world.service.submit(submitter, cheapRequest(1), undefined);
    await world.jobs.start(view.job.id);
    const stranger = await world.service.cancel(ORG, view.job.id, '00000000-0000-4000-8000-00000000000f', false).catch((error: unknown) => error);
    expect((stranger as ApiError).getStatus()).toBe(404);
    await world.service.cancel(ORG, view.job.id, submitter.userId, false);
    expect(world.jobs.rows.get(view.job.id)).toMatchObject({ status: 'running' });
    expect(world.jobs.rows.get(view.job.id)?.cancelRequestedAt).not.toBeNull();
    expect(world.ledger.holds.get(view.job.id)?.state).toBe('pending');
  });

  it('a job that made k of n images is charged k × the unit price, the rest released', async () => {
    const world = jobServices({ credits: 1_000 });
    const { view } = await world.service.submit(submitter, cheapRequest(4), undefined);
    const job = await world.jobs.start(view.job.id);
    if (job === undefined) throw new Error('not started');
    for (const index of [0, 2, 3]) await world.assets.insert(madeImage(job, index));
    await world.endings.succeed(job, 3);
    expect(world.jobs.rows.get(job.id)).toMatchObject({ status: 'succeeded', capturedCredits: 3 * job.unitCredits, errorCode: 'partial' });
    expect(world.ledger.available).toBe(1_000 - 3 * job.unitCredits);
    expect(world.ledger.pending).toBe(0);
  });

  it('images that finish after the hold was released are discarded, never charged', async () => {
    const world = jobServices({ credits: 1_000 });
    const { view } = await world.service.submit(submitter, cheapRequest(2), undefined);
    const job = await world.jobs.start(view.job.id);
    if (job === undefined) throw new Error('not started');
    await world.assets.insert(madeImage(job, 0));
    await world.ledger.release(job.id); // the sweeper or a cancel got there first
    await world.endings.succeed(job, 1);
    expect(world.jobs.rows.get(job.id)).toMatchObject({ status: 'failed', errorCode: 'refunded_before_completion' });
    expect(world.assets.rows.size).toBe(0);
    expect(world.ledger.available).toBe(1_000);
  });

  it('a retried end after a capture keeps the first capture: charged once', async () => {
    const world = jobServices({ credits: 1_000 });
    const { view } = await world.service.submit(submitter, cheapRequest(1), undefined);
    const job = await world.jobs.start(view.job.id);
    if (job === undefined) throw new Error('not started');
    await world.assets.insert(madeImage(job, 0));
    await world.endings.succeed(job, 1);
    await world.endings.succeed(job, 1);
    expect(world.ledger.available).toBe(1_000 - job.priceCredits);
    expect(world.jobs.rows.get(job.id)).toMatchObject({ status: 'succeeded', capturedCredits: job.priceCredits });
  });

  it('a job whose row missed its capture (the database cut between the two) ends succeeded when a retry fails or finds it refunded', async () => {
    for (const ending of ['refunded', 'release'] as const) {
      const world = jobServices({ credits: 1_000 });
      const { view } = await world.service.submit(submitter, cheapRequest(2), undefined);
      const job = await world.jobs.start(view.job.id);
      if (job === undefined) throw new Error('not started');
      await world.assets.insert(madeImage(job, 0));
      await world.assets.insert(madeImage(job, 1));
      await world.ledger.capture(job.id, job.priceCredits);
      if (ending === 'refunded') await world.endings.refunded(job);
      else await world.endings.release(job, { status: 'failed', code: 'failed', message: 'The generation failed; the credits were refunded.' });
      expect(world.jobs.rows.get(job.id), ending).toMatchObject({ status: 'succeeded', capturedCredits: job.priceCredits });
      expect(world.assets.rows.size, ending).toBe(2);
      expect(world.ledger.available, ending).toBe(1_000 - job.priceCredits);
    }
  });

  it('a failed job releases its hold in full, keeps no image and says why', async () => {
    const world = jobServices({ credits: 1_000 });
    const { view } = await world.service.submit(submitter, cheapRequest(1), undefined);
    const job = await world.jobs.start(view.job.id);
    if (job === undefined) throw new Error('not started');
    await world.assets.insert(madeImage(job, 0));
    await world.endings.release(job, { status: 'failed', code: 'provider_unavailable', message: 'The generation failed; the credits were refunded.' });
    expect(world.jobs.rows.get(job.id)).toMatchObject({ status: 'failed', errorCode: 'provider_unavailable' });
    expect(world.assets.rows.size).toBe(0);
    expect(world.ledger.available).toBe(1_000);
  });

  it('a hold the sweeper found expired ends its job refunded and out of the queue, once', async () => {
    const world = jobServices({ credits: 1_000 });
    const { view } = await world.service.submit(submitter, cheapRequest(1), undefined);
    const hold = { holdId: view.job.id, organizationId: ORG };
    expect(await world.endings.expired([hold])).toEqual([view.job.id]);
    expect(await world.endings.expired([hold])).toEqual([]);
    expect(world.jobs.rows.get(view.job.id)).toMatchObject({ status: 'failed', errorCode: 'hold_expired' });
    expect(world.queue.has(view.job.id)).toBe(false);
  });
});
