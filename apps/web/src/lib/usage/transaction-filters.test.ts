import { describe, expect, test } from 'vitest';
import { emptyTransactionFilters, transactionFiltersFromSearch, transactionFiltersToSearch } from './transactions.js';

describe('transaction filters in the URL', () => {
  test('none: an empty search', () => {
    expect(transactionFiltersFromSearch(new URLSearchParams())).toEqual(emptyTransactionFilters);
    expect(transactionFiltersToSearch(emptyTransactionFilters, new URLSearchParams()).toString()).toBe('');
  });

  test('round trip, beside the spend view’s parameters', () => {
    const filters = { memberId: 'u1', projectId: 'p1', kinds: ['grant' as const, 'capture' as const], fromDay: '2026-01-01', toDay: '2026-01-31' };
    const search = transactionFiltersToSearch(filters, new URLSearchParams({ range: '7d', group: 'model', scope: 'org' }));
    expect(search.get('range')).toBe('7d');
    expect(transactionFiltersFromSearch(search)).toEqual(filters);
    const cleared = transactionFiltersToSearch(emptyTransactionFilters, search);
    expect(cleared.toString()).toBe('range=7d&group=model&scope=org');
  });

  test('unknown kinds and malformed days are dropped; kinds keep their canonical order', () => {
    const filters = transactionFiltersFromSearch(new URLSearchParams({ kind: 'capture,nonsense,grant', from: '2026-13', to: 'yesterday' }));
    expect(filters.kinds).toEqual(['grant', 'capture']);
    expect(filters.fromDay).toBe('');
    expect(filters.toDay).toBe('');
  });
});
