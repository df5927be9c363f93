import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { GrantSource, PoolBalance } from '@atelier/ledger';
import { JobEventsRepository } from '../jobs/job-events.repository.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
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
  balance: PoolBalance;
  settledDeficitCredits: bigint;
  /** True when this key had been granted before (nothing new was granted). */
  replayed: boolean;
}

/** Credits in and out of an org's pool for billing, announced on the org's balance channel at once. */
@Injectable()
export class CreditsService {
  private readonly logger = new Logger('Billing');

  constructor(
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(JobEventsRepository) private readonly events: JobEventsRepository,
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
    const result = await this.ledger.ledger.grant({
      operationId: operationIdOf(request.key),
      orgId: request.organizationId,
      source: request.source,
      amountCredits: BigInt(request.credits),
      expiresAt: request.expiresAt,
      reference: { purchaseId: request.purchaseId },
      actorId: request.organizationId,
      reason: request.reason,
    }, client);
    if (!result.ok) {
      throw new Error(`the ledger refused the grant ${request.key}: ${result.code}`);
    }
    if (!result.replayed && client === undefined) this.events.balanceChanged(request.organizationId, result.balance);
    return { grantId: result.grant.grantId, balance: result.balance, settledDeficitCredits: result.settledDeficitCredits, replayed: result.replayed };
  }

  /** Takes back what a refund or dispute covers of a grant; idempotent on `key`. With `client`, as `grant`. */
  async clawBack(request: { organizationId: string; key: string; grantId: bigint; credits: number; purchaseId: string; reason: string }, client?: TransactionClient): Promise<{
    reclaimedCredits: bigint;
    deficitAddedCredits: bigint;
    waitingCredits: bigint;
    deficitCredits: bigint;
    balance: PoolBalance;
    replayed: boolean;
  }> {
    const result = await this.ledger.ledger.clawBack({
      operationId: operationIdOf(request.key),
      orgId: request.organizationId,
      grantId: request.grantId,
      amountCredits: BigInt(request.credits),
      reference: { purchaseId: request.purchaseId },
      actorId: request.organizationId,
      reason: request.reason,
    }, client);
    if (!result.ok) {
      throw new Error(`the ledger refused the claw-back ${request.key}: ${result.code}`);
    }
    if (!result.replayed) {
      if (client === undefined) this.events.balanceChanged(request.organizationId, result.balance);
      this.logger.log(`claw-back ${request.key}: ${String(result.reclaimedCredits)} reclaimed, deficit +${String(result.deficitAddedCredits)}`);
    }
    return { reclaimedCredits: result.reclaimedCredits, deficitAddedCredits: result.deficitAddedCredits, waitingCredits: result.waitingCredits, deficitCredits: result.deficitCredits, balance: result.balance, replayed: result.replayed };
  }

  /** Tells open pages of a balance written inside a transaction that has now committed. */
  announce(organizationId: string, balance: PoolBalance): void {
    this.events.balanceChanged(organizationId, balance);
  }

  async settleDeficit(organizationId: string, actorId: string): Promise<{ settledCredits: bigint; deficitCredits: bigint }> {
    const result = await this.ledger.ledger.settleDeficit({ operationId: crypto.randomUUID(), orgId: organizationId, actorId, reason: 'deficit paid off from the balance by an owner' });
    if (!result.ok) throw new Error(`the ledger refused to settle: ${result.code}`);
    if (result.settledCredits > 0n) this.events.balanceChanged(organizationId, result.balance);
    return { settledCredits: result.settledCredits, deficitCredits: result.deficitCredits };
  }

  async deficit(organizationId: string): Promise<{ credits: number; since: Date | null }> {
    const result = await this.ledger.ledger.deficit(organizationId, 1);
    if (!result.ok) return { credits: 0, since: null };
    return { credits: Number(result.deficit.deficitCredits), since: result.deficit.since };
  }

  async availableCredits(organizationId: string): Promise<number> {
    return (await this.ledger.poolBalance(organizationId)).availableCredits;
  }

  /** Unspent, unheld credits of a live grant (what a rollover can carry), 0 when gone. */
  async unspentOfGrant(organizationId: string, grantId: bigint): Promise<{ availableCredits: number; expiredAt: Date | null } | null> {
    const result = await this.ledger.ledger.poolBalance(organizationId);
    if (!result.ok) return null;
    const grant = result.grants.find((candidate) => candidate.grantId === grantId);
    return grant === undefined ? { availableCredits: 0, expiredAt: null } : { availableCredits: Number(grant.availableCredits), expiredAt: grant.expiredAt };
  }
}
