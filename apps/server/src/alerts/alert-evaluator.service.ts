import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Periodic } from '../common/periodic.js';
import { can, compareVersions, roles, type AlertData } from '@atelier/contracts';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { BalanceChanged, MemberBudgetChanged, MemberSpendChanged } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { AlertContextRepository, type MemberAlertContext } from './alert-context.repository.js';
import { AlertSettingsRepository } from './alert-settings.repository.js';
import { AlertsRepository } from './alerts.repository.js';
import { AlertsService } from './alerts.service.js';

/** "4,685": credits in a message people read. */
function grouped(credits: number | bigint | string): string {
  return BigInt(credits).toLocaleString('en-US');
}

/** Who may raise a member's budget, from the permission table: they hear when one runs out. */
const BUDGET_MANAGERS = roles.filter((role) => can(role, 'budgets.write'));

/** Grants looked at per scan; a backlog is worked off over the next scans. */
const GRANT_SCAN_LIMIT = 500;
/** The longest notice an org can ask for (see updateAlertSettings). */
const MAX_NOTICE_DAYS = 60;

/**
 * Watches spending and raises alerts: a member's budget thresholds and exhaustion (after each hold
 * and capture), the pool's low-balance line (after each balance change), grants about to expire
 * (a periodic scan). Evaluations are coalesced per member and per org — a burst of 50 holds is a
 * handful of evaluations, never a queue of 50 — and `AlertsService.raise` makes each alert fire
 * once whatever races.
 */
@Injectable()
export class AlertEvaluatorService implements OnModuleInit, OnModuleDestroy, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Alerts');
  private readonly inFlight = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly grantScan = new Periodic(
    () => this.scanExpiringGrants(),
    (error: unknown) => {
      this.logger.error(`grant expiry scan failed: ${String(error)}`);
    },
  );

  private readonly onMemberSpend = (event: MemberSpendChanged): void => {
    if (event.unlimited === true) return;
    this.coalesce(`member:${event.organizationId}:${event.memberId}`, () => this.evaluateMember(event.organizationId, event.memberId));
  };

  /** A lowered limit can cross thresholds without any spending. */
  private readonly onBudgetChange = (change: MemberBudgetChanged): void => {
    this.onMemberSpend({ organizationId: change.organizationId, memberId: change.userId });
  };

  /** The newest balance announced per org and not yet evaluated: the change itself says it, no read needed. */
  private readonly announcedBalances = new Map<string, BalanceChanged>();

  private readonly onBalance = (event: BalanceChanged): void => {
    const held = this.announcedBalances.get(event.organizationId);
    if (held === undefined || compareVersions(event.version, held.version) > 0) this.announcedBalances.set(event.organizationId, event);
    this.coalesce(`pool:${event.organizationId}`, () => this.evaluatePool(event.organizationId));
  };

  constructor(
    @Inject(AlertsService) private readonly alerts: AlertsService,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(AlertsRepository) private readonly alertRows: AlertsRepository,
    @Inject(AlertSettingsRepository) private readonly settingsRows: AlertSettingsRepository,
    @Inject(AlertContextRepository) private readonly context: AlertContextRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private unsubscribe: (() => void)[] = [];

  onModuleInit(): void {
    this.unsubscribe = [
      this.events.subscribe('member-spend.changed', this.onMemberSpend),
      this.events.subscribe('balance.changed', this.onBalance),
      this.events.subscribe('member-budget.changed', this.onBudgetChange),
    ];
  }

  onModuleDestroy(): void {
    for (const stop of this.unsubscribe) stop();
    this.unsubscribe = [];
  }

  /** Worker nodes scan for expiring grants on the sweeper's cadence. */
  onApplicationBootstrap(): void {
    if (!this.config.jobs.runWorkers) return;
    this.grantScan.start(this.config.jobs.sweepIntervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.grantScan.stop();
    await this.idle();
  }

  /** Resolves when no evaluation is running (tests wait for it before counting alerts). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.all([...this.inFlight.values()].map((entry) => entry.done));
    }
  }

  private coalesce(key: string, work: () => Promise<void>): void {
    const running = this.inFlight.get(key);
    if (running !== undefined) {
      running.again = true;
      return;
    }
    const entry = { again: false, done: Promise.resolve() };
    this.inFlight.set(key, entry);
    entry.done = (async () => {
      try {
        const askedAgain = (): boolean => entry.again;
        do {
          entry.again = false;
          await work();
        } while (askedAgain());
      } catch (error) {
        this.logger.error(`alert evaluation ${key} failed: ${String(error)}`);
      } finally {
        this.inFlight.delete(key);
      }
    })();
  }

  /** Raises the member's crossed thresholds (percent of the limit used: spent + held) and exhaustion. */
  async evaluateMember(organizationId: string, memberId: string): Promise<void> {
    const budget = await this.ledger.memberBudgetPeriod(organizationId, memberId);
    if (budget === undefined || budget.limitCredits === null || budget.limitCredits <= 0) return;
    const limit = budget.limitCredits;
    const used = budget.spentCredits + budget.pendingCredits;
    const row = await this.context.member(organizationId, memberId);
    if (row === undefined) return;
    const periodKey = budget.periodStart?.toISOString() ?? 'none';
    const resetsAt = budget.periodEnd?.toISOString() ?? null;
    const until = resetsAt === null ? '' : ` It resets on ${formatDay(budget.periodEnd)}.`;
    const data = {
      memberId,
      limitCredits: limit,
      usedCredits: used,
      spentCredits: budget.spentCredits,
      pendingCredits: budget.pendingCredits,
      period: budget.period,
      periodStart: budget.periodStart?.toISOString() ?? null,
      resetsAt,
    };
    for (const threshold of row.thresholds) {
      if (used * 100 < threshold * limit) continue;
      await this.alerts.raise({
        organizationId,
        kind: 'budget_threshold',
        subjectKey: memberId,
        threshold,
        periodKey,
        title: `${String(threshold)}% of your budget used`,
        message: `You have used ${grouped(used)} of your ${grouped(limit)} credits in ${row.organizationName} (${String(threshold)}% or more, counting jobs still running).${until}`,
        data: { ...data, thresholdPercent: threshold },
        recipients: { userIds: [memberId] },
      });
    }
    if (budget.remainingCredits === 0) await this.raiseExhausted(organizationId, memberId, row, data, { periodKey, until });
  }

  /**
   * Nothing left of the member's budget this period: the member is told, and so are the people who
   * can raise it (the roles with `budgets.write`), each once per period.
   */
  private async raiseExhausted(
    organizationId: string,
    memberId: string,
    member: MemberAlertContext,
    data: AlertData,
    { periodKey, until }: { periodKey: string; until: string },
  ): Promise<void> {
    const limit = String(data.limitCredits);
    await this.alerts.raise({
      organizationId,
      kind: 'budget_exhausted',
      subjectKey: memberId,
      periodKey,
      title: 'Your budget is used up',
      message: `Nothing is left of your ${limit}-credit budget in ${member.organizationName}, so new jobs will be refused.${until} Ask a manager to raise it.`,
      data,
      recipients: { userIds: [memberId] },
    });
    await this.alerts.raise({
      organizationId,
      kind: 'member_budget_exhausted',
      subjectKey: memberId,
      periodKey,
      title: `${member.memberName}'s budget is used up`,
      message: `${member.memberName} has used all ${limit} credits of their budget in ${member.organizationName}, so their new jobs are refused.${until} Raise their budget on the Team page if they need more.`,
      data: { ...data, memberName: member.memberName },
      recipients: { roles: BUDGET_MANAGERS, exceptUserIds: [memberId] },
    });
  }

  /** Raises `pool_low` once per month (in the pool's time zone) and line when available < line. */
  async evaluatePool(organizationId: string): Promise<void> {
    const now = this.clock.now();
    const announced = this.announcedBalances.get(organizationId);
    this.announcedBalances.delete(organizationId);
    const row = await this.settingsRows.lowBalanceLine(organizationId, now);
    if (row === undefined) return;
    const line = Number(row.line);
    const available = announced === undefined ? await this.availableCredits(organizationId) : announced.availableCredits;
    if (available === undefined || available >= line) return;
    await this.alerts.raise({
      organizationId,
      kind: 'pool_low',
      subjectKey: 'pool',
      threshold: line,
      periodKey: row.month,
      title: 'The credit pool is running low',
      message: `${row.organization_name} has ${grouped(available)} credits available, below its low-balance line of ${grouped(line)}. Buy credits or turn on auto top-up on the billing page.`,
      data: { availableCredits: available, lowBalanceCredits: line, month: row.month },
      recipients: { roles: ['owner', 'manager'] },
    });
  }

  private async availableCredits(organizationId: string): Promise<number | undefined> {
    return (await this.ledger.balance(organizationId))?.availableCredits;
  }

  /** Raises `grant_expiring` for grants with credits left that expire within their org's notice. */
  async scanExpiringGrants(): Promise<number> {
    const now = this.clock.now();
    const due = await this.alertRows.expiringGrantsNotAnnounced(now, MAX_NOTICE_DAYS, GRANT_SCAN_LIMIT);
    let fired = 0;
    for (const grant of due) {
      const raised = await this.alerts.raise({
        organizationId: grant.org_id,
        kind: 'grant_expiring',
        subjectKey: grant.grant_id,
        periodKey: 'grant',
        title: 'Credits expire soon',
        message: `${grant.remaining_credits} unspent credits (${grant.source}) in ${grant.organization_name} expire on ${formatDay(grant.expires_at)}. Use them before then; what is left is gone after.`,
        data: { grantId: grant.grant_id, remainingCredits: Number(grant.remaining_credits), expiresAt: grant.expires_at.toISOString(), source: grant.source },
        recipients: { roles: ['owner', 'manager'] },
      });
      if (raised.fired) fired += 1;
    }
    return fired;
  }
}

function formatDay(date: Date | null): string {
  if (date === null) return 'never';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
