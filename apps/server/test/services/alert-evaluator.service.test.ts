import { describe, expect, it } from 'vitest';
import type { AlertContextRepository } from '../../src/alerts/alert-context.repository.js';
import { AlertEvaluatorService } from '../../src/alerts/alert-evaluator.service.js';
import type { AlertSettingsRepository } from '../../src/alerts/alert-settings.repository.js';
import type { AlertsRepository } from '../../src/alerts/alerts.repository.js';
import type { AlertsService, RaiseAlert } from '../../src/alerts/alerts.service.js';
import type { AppConfig } from '../../src/config/config.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { LedgerRepository, MemberBudgetPeriod } from '../../src/repositories/ledger.repository.js';

const ORG = '00000000-0000-4000-8000-0000000000a1';
const MEMBER = '00000000-0000-4000-8000-0000000000a2';

/** The evaluator over fakes: a member's budget and a pool's balance as the test sets them; every raised alert recorded. */
function evaluator(state: { budget?: MemberBudgetPeriod; available?: number; lowBalanceLine?: number }) {
  const raised: RaiseAlert[] = [];
  const alerts = { raise: (alert: RaiseAlert) => { raised.push(alert); return Promise.resolve({ fired: true, alertId: 'a', notified: 1 }); } };
  const ledger = {
    memberBudgetPeriod: () => Promise.resolve(state.budget),
    balance: () => Promise.resolve(state.available === undefined ? undefined : { organizationId: ORG, availableCredits: state.available, pendingCredits: 0, postedCredits: state.available, version: '1' }),
  };
  const context = { member: () => Promise.resolve({ thresholds: [50, 80], organizationName: 'Studio', memberName: 'Ana' }) };
  const settings = {
    lowBalanceLine: () => Promise.resolve(state.lowBalanceLine === undefined ? undefined : { line: String(state.lowBalanceLine), month: '2026-12', organization_name: 'Studio' }),
  };
  const service = new AlertEvaluatorService(
    alerts as unknown as AlertsService,
    new EventBus(),
    ledger as unknown as LedgerRepository,
    {} as AlertsRepository,
    settings as unknown as AlertSettingsRepository,
    context as unknown as AlertContextRepository,
    { now: () => new Date('2026-12-04T12:00:00Z') },
    { jobs: { runWorkers: false } } as unknown as AppConfig,
  );
  return { service, raised };
}

function budget(spent: number, pending: number, limit = 1_000): MemberBudgetPeriod {
  return {
    limitCredits: limit,
    period: 'month',
    spentCredits: spent,
    pendingCredits: pending,
    remainingCredits: Math.max(0, limit - spent - pending),
    resetsAt: '2027-01-01T00:00:00.000Z',
    periodStart: new Date('2026-12-01T00:00:00Z'),
    periodEnd: new Date('2027-01-01T00:00:00Z'),
  };
}

describe('AlertEvaluatorService over fakes', () => {
  it('raises each threshold the member crossed (held credits count), with the figures', async () => {
    const { service, raised } = evaluator({ budget: budget(700, 120) });
    await service.evaluateMember(ORG, MEMBER);
    expect(raised.map((alert) => [alert.kind, alert.threshold])).toEqual([['budget_threshold', 50], ['budget_threshold', 80]]);
    expect(raised[1]).toMatchObject({ recipients: { userIds: [MEMBER] }, data: { usedCredits: 820, limitCredits: 1_000, thresholdPercent: 80 } });
  });

  it('an exhausted budget tells the member and, once, the people who can raise it', async () => {
    const { service, raised } = evaluator({ budget: budget(1_000, 0) });
    await service.evaluateMember(ORG, MEMBER);
    expect(raised.map((alert) => alert.kind)).toEqual(['budget_threshold', 'budget_threshold', 'budget_exhausted', 'member_budget_exhausted']);
    expect(raised[3]).toMatchObject({ recipients: { exceptUserIds: [MEMBER] }, title: "Ana's budget is used up", periodKey: '2026-12-01T00:00:00.000Z' });
  });

  it('a budget without a limit raises nothing', async () => {
    const { service, raised } = evaluator({ budget: { ...budget(5_000, 0), limitCredits: null, remainingCredits: null } });
    await service.evaluateMember(ORG, MEMBER);
    expect(raised).toEqual([]);
  });

  it('the pool below its low-balance line raises pool_low for owners and managers; at or above it, nothing', async () => {
    const low = evaluator({ available: 90, lowBalanceLine: 100 });
    await low.service.evaluatePool(ORG);
    expect(low.raised).toEqual([expect.objectContaining({ kind: 'pool_low', threshold: 100, periodKey: '2026-12', recipients: { roles: ['owner', 'manager'] } })]);
    const fine = evaluator({ available: 100, lowBalanceLine: 100 });
    await fine.service.evaluatePool(ORG);
    expect(fine.raised).toEqual([]);
  });
});
