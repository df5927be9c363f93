import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { PoolBalance } from '@atelier/ledger';
import type { FreeUsageEvent, JobView } from '@atelier/contracts';

export interface BalanceEvent {
  organizationId: string;
  availableCredits: number;
  pendingCredits: number;
  postedCredits: number;
  version: string;
}

export interface MemberSpendEvent {
  organizationId: string;
  memberId: string;
}

/**
 * Where job and balance changes are announced inside this process. The realtime gateway
 * forwards them to sockets; tests listen to them.
 */
@Injectable()
export class JobEventsRepository {
  readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  jobChanged(job: JobView): void {
    this.emitter.emit('job', job);
  }

  /** A member's budget use went up (a hold placed, a capture): alerts look at their thresholds. */
  memberSpendChanged(organizationId: string, memberId: string): void {
    const event: MemberSpendEvent = { organizationId, memberId };
    this.emitter.emit('member-spend', event);
  }

  /** The org's free-tier usage changed (a free job placed, or its unused units given back). */
  freeUsageChanged(organizationId: string, freeUnitsUsed: Record<string, number>): void {
    const event: FreeUsageEvent = { organizationId, freeUnitsUsed };
    this.emitter.emit('free-usage', event);
  }

  balanceChanged(organizationId: string, balance: PoolBalance): void {
    const event: BalanceEvent = {
      organizationId,
      availableCredits: Number(balance.availableCredits),
      pendingCredits: Number(balance.pendingCredits),
      postedCredits: Number(balance.postedCredits),
      version: String(balance.balanceVersion),
    };
    this.emitter.emit('balance', event);
  }
}
