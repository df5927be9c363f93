import { Inject, Injectable } from '@nestjs/common';
import { catalogs, type AllowancePeriod } from '@atelier/pricing';
import { EventBus } from '../events/event-bus.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { PricingContextService } from '../pricing/pricing-context.service.js';
import { AssetsRepository } from './assets.repository.js';
import { FreeAllowanceRepository } from './free-allowance.repository.js';
import { JobViews } from './job-view.js';
import { JobsRepository, type JobEnd, type JobRecord } from './jobs.repository.js';
import { QueueRepository } from '../queue/queue.repository.js';
import { ThumbnailService } from './thumbnail.service.js';
import { cancelOutcome, creditsFor } from './charges.js';

const REFUNDED_BEFORE_COMPLETION: JobEnd = {
  status: 'failed',
  code: 'refunded_before_completion',
  message: 'The job stopped before it finished; its credits were refunded.',
};

const HOLD_EXPIRED: JobEnd = {
  status: 'failed',
  code: 'hold_expired',
  message: 'The job did not finish in time (its worker stopped, or it waited too long in the queue); its credits were refunded.',
};

/**
 * The one owner of "a job ended", whoever ends it (its runner, a cancel, the sweeper): the hold
 * is captured for the images made or released, late images of a refunded job are discarded,
 * unused free units are given back, the row takes its final state once, and everyone hears of it.
 * The ledger resolves a hold exactly once and the row changes only from an open state, so two
 * enders racing cannot charge twice or revive a refund.
 */
@Injectable()
export class JobEndingService {
  constructor(
    @Inject(JobsRepository) private readonly jobs: JobsRepository,
    @Inject(AssetsRepository) private readonly assets: AssetsRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(QueueRepository) private readonly queue: QueueRepository,
    @Inject(FreeAllowanceRepository) private readonly freeAllowances: FreeAllowanceRepository,
    @Inject(PricingContextService) private readonly pricing: PricingContextService,
    @Inject(JobViews) private readonly views: JobViews,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(ThumbnailService) private readonly thumbnails: ThumbnailService,
  ) {}

  /** Made `imagesMade` images: captures their price (free units first), releases the rest. */
  async succeed(job: JobRecord, imagesMade: number): Promise<void> {
    if (!hasHold(job)) {
      // Wholly covered by a free allowance: nothing was held, nothing to capture.
      await this.giveBackFreeUnits(job, imagesMade);
      await this.jobs.succeed(job.id, 0, imagesMade);
      await this.publish(job);
      return;
    }
    const credits = creditsFor(job, imagesMade);
    const captured = await this.ledger.capture(job.id, credits, `${String(imagesMade)} of ${String(job.variations)} images`);
    if (!captured.ok && captured.code === 'already_captured') {
      await this.jobs.succeed(job.id, captured.capturedCredits, imagesMade);
      await this.publish(job);
      return;
    }
    if (!captured.ok) {
      // The hold was voided or expired meanwhile (cancel, lost worker): the refund stands and
      // the late images are discarded, never revived.
      await this.discardImages(job);
      await this.end(job, REFUNDED_BEFORE_COMPLETION);
      return;
    }
    this.events.publish('balance.changed', captured.balance);
    this.events.publish('member-spend.changed', { organizationId: job.organizationId, memberId: job.authorId });
    await this.giveBackFreeUnits(job, imagesMade);
    await this.jobs.succeed(job.id, credits, imagesMade);
    await this.publish(job);
  }

  /** Failed (or refused by a provider, or cancelled): releases the hold in full, keeps no image. */
  async release(job: JobRecord, end: JobEnd, actorId?: string): Promise<void> {
    const balance = await this.ledger.release(job.id, end.code, actorId);
    if (balance !== undefined) this.events.publish('balance.changed', balance);
    else if (await this.settledByCapture(job)) return;
    await this.discardImages(job);
    await this.giveBackFreeUnits(job, 0);
    await this.end(job, end);
  }

  /** Its hold was resolved by someone else (a cancel, the sweeper): keep nothing, charge nothing. */
  async refunded(job: JobRecord): Promise<void> {
    if (await this.settledByCapture(job)) return;
    await this.discardImages(job);
    await this.end(job, REFUNDED_BEFORE_COMPLETION);
  }

  /**
   * Cancelled while running: the images stored when the cancel was accepted are kept and charged
   * (free units first), any finished later is discarded, the rest of the hold released. Safe to
   * run again (a retried attempt of a job whose ending was cut short).
   */
  async cancelled(job: JobRecord): Promise<void> {
    const { keptImages, chargedCredits, releasedCredits } = cancelOutcome(job);
    await this.discardImages(job, keptImages);
    let captured: number | null = chargedCredits;
    if (!hasHold(job)) {
      captured = 0;
    } else if (keptImages === 0) {
      const balance = await this.ledger.release(job.id, 'cancelled while running', job.authorId);
      if (balance !== undefined) this.events.publish('balance.changed', balance);
      captured = null;
    } else {
      const outcome = await this.ledger.capture(job.id, chargedCredits, `cancelled: ${String(keptImages)} of ${String(job.variations)} images kept`);
      if (outcome.ok) {
        this.events.publish('balance.changed', outcome.balance);
        this.events.publish('member-spend.changed', { organizationId: job.organizationId, memberId: job.authorId });
      } else if (outcome.code === 'already_captured') {
        captured = outcome.capturedCredits;
      } else {
        // The hold expired meanwhile (a worker lost for too long): the refund stands, nothing is kept.
        await this.discardImages(job);
        await this.end(job, REFUNDED_BEFORE_COMPLETION);
        return;
      }
    }
    await this.giveBackFreeUnits(job, keptImages);
    const message =
      keptImages === 0
        ? `Cancelled while running; nothing had been made, so the ${credits(releasedCredits)} were released.`
        : `Cancelled after ${String(keptImages)} of ${String(job.variations)} images: the ${keptImages === 1 ? 'one' : String(keptImages)} made before the cancel ${keptImages === 1 ? 'is' : 'are'} kept (${credits(chargedCredits)}); ${credits(releasedCredits)} released.`;
    await this.jobs.endCancelled(job.id, captured, message);
    await this.publish(job);
  }

  /** A queued job cancelled before it started: out of the queue, its hold released at once. */
  async cancelQueued(job: JobRecord, actorId: string): Promise<boolean> {
    const cancelled = await this.jobs.cancelQueued(job.id, 'Cancelled before it started; the credits were released.');
    if (!cancelled) return false;
    await this.queue.remove(job.id);
    const balance = await this.ledger.release(job.id, 'cancelled before start', actorId);
    if (balance !== undefined) this.events.publish('balance.changed', balance);
    await this.giveBackFreeUnits(job, 0);
    return true;
  }

  /** Holds the sweeper found past their expiry (already voided by the ledger): their jobs end refunded. */
  async expired(holds: readonly { holdId: string; organizationId: string }[]): Promise<string[]> {
    const ended: string[] = [];
    for (const hold of holds) {
      const job = await this.jobs.find(hold.organizationId, hold.holdId);
      if (job === undefined || !(await this.jobs.end(job.id, HOLD_EXPIRED))) continue;
      ended.push(job.id);
      await this.queue.remove(job.id);
      await this.discardImages(job);
      await this.publish(job);
    }
    return ended;
  }

  /** Tells the org's open pages the job's state now. */
  async publish(job: Pick<JobRecord, 'id' | 'organizationId'>): Promise<void> {
    this.events.publish('job.changed', { organizationId: job.organizationId, job: await this.views.get(job.organizationId, job.id) });
  }

  /** Tells the org's open pages the free-tier units used now, so their cost line prices with them. */
  async announceFreeUsage(organizationId: string): Promise<void> {
    const { catalog } = await this.pricing.contextFor(organizationId);
    const usage = await this.freeAllowances.usage(organizationId, catalog);
    this.events.publish('free-usage.changed', { organizationId, freeUnitsUsed: usage.freeUnitsUsed ?? {} });
  }

  /**
   * A hold an earlier attempt captured, whose row was not updated after (the database went away
   * between the two, and the retry found the hold resolved): the charge stands, so the job ends
   * succeeded with the images it was charged for, never "refunded" with its images discarded.
   */
  private async settledByCapture(job: JobRecord): Promise<boolean> {
    if (!hasHold(job)) return false;
    const captured = await this.ledger.capturedCredits(job.id);
    if (captured === undefined) return false;
    await this.jobs.succeed(job.id, captured, await this.assets.countOfJob(job.id));
    await this.publish(job);
    return true;
  }

  private async end(job: JobRecord, end: JobEnd): Promise<void> {
    await this.jobs.end(job.id, end);
    await this.publish(job);
  }

  /** Deletes the job's images (all, or those after the first `keep`) with their thumbnails. */
  private async discardImages(job: JobRecord, keep = 0): Promise<void> {
    const keys = keep === 0 ? await this.assets.deleteOfJob(job.id) : await this.assets.deleteOfJobAfter(job.id, keep);
    await Promise.all(keys.map((key) => this.thumbnails.deleteWithThumbnails(key).catch(() => undefined)));
  }

  private async giveBackFreeUnits(job: JobRecord, imagesMade: number): Promise<void> {
    if (job.freeAllowanceId === null || job.freeUnits === 0) return;
    const unused = job.freeUnits - Math.min(job.freeUnits, imagesMade);
    if (unused === 0) return;
    const period = allowancePeriod(job.catalogId, job.freeAllowanceId);
    await this.freeAllowances.giveBack(job.organizationId, job.freeAllowanceId, period, unused, job.createdAt);
    await this.announceFreeUsage(job.organizationId);
  }
}

function credits(amount: number): string {
  return `${amount.toLocaleString('en-US')} ${amount === 1 ? 'credit' : 'credits'}`;
}

/** A job wholly covered by a free allowance costs 0 and has no hold in the ledger. */
export function hasHold(job: Pick<JobRecord, 'priceCredits'>): boolean {
  return job.priceCredits > 0;
}

/** The period of a catalog's free allowance, looked up in the catalog the job was priced with. */
function allowancePeriod(catalogId: string, allowanceId: string): AllowancePeriod {
  const catalog = Object.values(catalogs).find((candidate) => candidate.id === catalogId);
  for (const model of catalog?.models ?? []) {
    for (const offer of Object.values(model.operations)) {
      if (offer.pricing.freeAllowance?.id === allowanceId) return offer.pricing.freeAllowance.period;
    }
  }
  return 'month';
}
