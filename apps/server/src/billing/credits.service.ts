import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { GrantSource } from '@atelier/ledger';
import type { BalanceChanged } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { LedgerRepository, type ClawBackMade } from '../repositories/ledger.repository.js';
import type { TransactionClient } from '../repositories/postgres-pool.repository.js';

/**
 * The ledger operation id of a Stripe object's effect (`checkout:cs_…`, `invoice:in_…`): the same
 * object always maps to the same id, so the ledger applies its effect once, whatever the retries.
 */
export function operationIdOf(key: string): string {
  const hex = createHash('sha256').update(`atelier-billing:${key}`).digest('hex');
  // A version-8 (custom) UUID with the RFC 4122 variant.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

export interface PaidGrant {
  grantId: bigint;
  balance: BalanceChanged;
  settledDeficitCredits: number;
  /** True when this key had been granted before (nothing new was granted). */
  replayed: boolean;
}

/** Credits in and out of an org's pool for billing, announced on the org's balance channel at once. */
@Injectable()
export class CreditsService {
  private readonly logger = new Logger('Billing');

  constructor(
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(EventBus) private readonly events: EventBus,
  ) {}

  /**
   * Grants what a payment bought; idempotent on `key`. With `client`, inside the caller's
   * transaction: the caller announces the balance (`announce`) once it has committed.
   */
  async grant(request: {
    organizationId: string;
    key: string;
    source: GrantSource;
    credits: number;
    expiresAt: Date | null;
    purchaseId: string;
    reason: string;
  }, client?: TransactionClient): Promise<PaidGrant> {
    const result = await this.ledger.grant({
      operationId: operationIdOf(request.key),
      organizationId: request.organizationId,
      source: request.source,
      credits: request.credits,
      expiresAt: request.expiresAt,
      purchaseId: request.purchaseId,
      actorId: request.organizationId,
      reason: request.reason,
    }, client);
    if (!result.replayed && client === undefined) this.events.publish('balance.changed', result.balance);
    return result;
  }

  /** Takes back what a refund or dispute covers of a grant; idempotent on `key`. With `client`, as `grant`. */
  async clawBack(request: { organizationId: string; key: string; grantId: bigint; credits: number; purchaseId: string; reason: string }, client?: TransactionClient): Promise<ClawBackMade> {
    const { key, ...order } = request;
    const result = await this.ledger.clawBack({ operationId: operationIdOf(key), ...order }, client);
    if (!result.replayed) {
      if (client === undefined) this.events.publish('balance.changed', result.balance);
      this.logger.log(`claw-back ${key}: ${String(result.reclaimedCredits)} reclaimed, deficit +${String(result.deficitAddedCredits)}`);
    }
    return result;
  }

  /** Tells open pages of a balance written inside a transaction that has now committed. */
  announce(balance: BalanceChanged): void {
    this.events.publish('balance.changed', balance);
  }

  async settleDeficit(organizationId: string, actorId: string): Promise<{ settledCredits: number; deficitCredits: number }> {
    const result = await this.ledger.settleDeficit(organizationId, actorId, 'deficit paid off from the balance by an owner');
    if (result.settledCredits > 0) this.events.publish('balance.changed', result.balance);
    return { settledCredits: result.settledCredits, deficitCredits: result.deficitCredits };
  }

  deficit(organizationId: string): Promise<{ credits: number; since: Date | null }> {
    return this.ledger.deficit(organizationId);
  }

  async availableCredits(organizationId: string): Promise<number> {
    return (await this.ledger.poolBalance(organizationId)).availableCredits;
  }

  /** Unspent, unheld credits of a live grant (what a rollover can carry), 0 when gone. */
  unspentOfGrant(organizationId: string, grantId: bigint): Promise<{ availableCredits: number; expiredAt: Date | null } | null> {
    return this.ledger.grantAvailable(organizationId, grantId);
  }
}
