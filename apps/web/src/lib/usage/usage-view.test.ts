import { describe, expect, it } from 'vitest';
import { transferKindNames } from '@atelier/contracts';
import { poolEffect, transactionFilterQuery, statementCsvHref, transactionsCsvHref, emptyTransactionFilters } from './transactions.js';
import { groupBysFor, usageViewFromSearch, usageViewToSearch } from './usage-view.js';

describe('usage view in the URL', () => {
  it('round-trips for a manager', () => {
    const view = usageViewFromSearch(new URLSearchParams('range=12w&group=project&scope=org'), true);
    expect(view).toEqual({ range: '12w', groupBy: 'project', scope: 'org' });
    expect(usageViewFromSearch(usageViewToSearch(view), true)).toEqual(view);
  });

  it("keeps a member to their own spend, grouped by something other than member", () => {
    expect(usageViewFromSearch(new URLSearchParams('scope=org&group=member'), false)).toEqual({ range: '30d', groupBy: 'model', scope: 'me' });
    expect(groupBysFor('me')).not.toContain('member');
  });

  it('falls back to defaults for unknown values', () => {
    expect(usageViewFromSearch(new URLSearchParams('range=forever&group=colour'), true)).toEqual({ range: '30d', groupBy: 'member', scope: 'org' });
  });
});

describe('transactions', () => {
  it('puts the same filters in the page query and the CSV link', () => {
    const filters = { ...emptyTransactionFilters, memberId: '6f1c2a52-8a39-4d7e-9a55-0d6f3f0c1a11', kinds: ['hold', 'capture'] as const, fromDay: '2026-11-01' };
    const query = transactionFilterQuery({ ...filters, kinds: [...filters.kinds] });
    expect(query).toEqual({ memberId: filters.memberId, kind: 'hold,capture', from: new Date(2026, 10, 1).toISOString() });
    const href = transactionsCsvHref('org-1', { ...filters, kinds: [...filters.kinds] });
    expect(href.startsWith('/api/orgs/org-1/usage/transactions.csv?')).toBe(true);
    expect(Object.fromEntries(new URL(href, 'http://localhost').searchParams)).toEqual(query);
    expect(transactionsCsvHref('org-1', emptyTransactionFilters)).toBe('/api/orgs/org-1/usage/transactions.csv');
  });

  it('gives the human CSV the same member, project and date filters, without the ledger kinds', () => {
    const filters = { ...emptyTransactionFilters, projectId: '6f1c2a52-8a39-4d7e-9a55-0d6f3f0c1a11', kinds: ['capture' as const], fromDay: '2026-11-01' };
    const href = statementCsvHref('org-1', filters);
    expect(href.startsWith('/api/orgs/org-1/usage/statement.csv?')).toBe(true);
    expect(Object.fromEntries(new URL(href, 'http://localhost').searchParams)).toEqual({ projectId: filters.projectId, from: new Date(2026, 10, 1).toISOString() });
    expect(statementCsvHref('org-1', emptyTransactionFilters)).toBe('/api/orgs/org-1/usage/statement.csv');
  });

  it('says how each transfer moved the pool', () => {
    const transfer = (kind: (typeof transferKindNames)[number], phase: string, debitAccount: string, creditAccount: string) =>
      poolEffect({ kind, phase, debitAccount, creditAccount, amountCredits: 40 });
    expect(transfer('grant', 'posted', 'purchase', 'pool')).toEqual({ sign: '+', amountCredits: 40, note: '' });
    expect(transfer('hold', 'pending', 'pool', 'usage')).toEqual({ sign: '−', amountCredits: 40, note: 'reserved' });
    expect(transfer('capture', 'post_pending', 'pool', 'usage')).toEqual({ sign: '−', amountCredits: 40, note: '' });
    expect(transfer('void', 'void_pending', 'pool', 'usage')).toEqual({ sign: '+', amountCredits: 40, note: 'returned' });
    expect(transfer('grant_expiry', 'posted', 'pool', 'expiry')).toEqual({ sign: '−', amountCredits: 40, note: '' });
  });
});
