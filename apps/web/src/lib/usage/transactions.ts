import { transferKindNames, type TransactionView } from '@atelier/contracts';

export type TransferKind = (typeof transferKindNames)[number];

export interface TransactionFilters {
  memberId: string;
  projectId: string;
  kinds: TransferKind[];
  /** Calendar days (yyyy-mm-dd) in the viewer's zone, both included; '' for open-ended. */
  fromDay: string;
  toDay: string;
}

/** Transactions per page. */
export const transactionPageSize = 50;

export const emptyTransactionFilters: TransactionFilters = { memberId: '', projectId: '', kinds: [], fromDay: '', toDay: '' };

export const transferKindLabels: Readonly<Record<TransferKind, string>> = {
  grant: 'Credits added',
  hold: 'Held for a job',
  capture: 'Spent',
  void: 'Hold released',
  hold_expiry: 'Hold expired',
  grant_expiry: 'Credits expired',
  adjustment: 'Adjustment',
  reversal: 'Reversal',
};

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The filters as the usage page's URL carries them (?member=…&project=…&kind=grant,capture&from=…&to=…),
 * beside the spend view's range, group and scope: a change is a navigation that loads the first page.
 */
export function transactionFiltersFromSearch(search: Pick<URLSearchParams, 'get'>): TransactionFilters {
  const day = (name: string) => {
    const value = search.get(name) ?? '';
    return dayPattern.test(value) ? value : '';
  };
  const kinds = (search.get('kind') ?? '').split(',');
  return {
    memberId: search.get('member') ?? '',
    projectId: search.get('project') ?? '',
    kinds: transferKindNames.filter((kind) => kinds.includes(kind)),
    fromDay: day('from'),
    toDay: day('to'),
  };
}

/** Writes the filters into `search` (an empty filter leaves its parameter out). */
export function transactionFiltersToSearch(filters: TransactionFilters, search: URLSearchParams): URLSearchParams {
  const entries: [string, string][] = [
    ['member', filters.memberId],
    ['project', filters.projectId],
    ['kind', filters.kinds.join(',')],
    ['from', filters.fromDay],
    ['to', filters.toDay],
  ];
  for (const [name, value] of entries) {
    if (value === '') search.delete(name);
    else search.set(name, value);
  }
  return search;
}

/** The filters as the API's query (shared by the page request and the CSV link). */
export function transactionFilterQuery(filters: TransactionFilters): Record<string, string> {
  const query: Record<string, string> = {};
  if (filters.memberId !== '') query.memberId = filters.memberId;
  if (filters.projectId !== '') query.projectId = filters.projectId;
  if (filters.kinds.length > 0) query.kind = filters.kinds.join(',');
  if (filters.fromDay !== '') query.from = localMidnight(filters.fromDay, 0).toISOString();
  if (filters.toDay !== '') query.to = localMidnight(filters.toDay, 1).toISOString();
  return query;
}

export function transactionsCsvHref(orgId: string, filters: TransactionFilters): string {
  const search = new URLSearchParams(transactionFilterQuery(filters)).toString();
  return `/api/orgs/${orgId}/usage/transactions.csv${search === '' ? '' : `?${search}`}`;
}

/**
 * The human CSV (dates in the pool's time zone, names, signed credits, balance after, links) with the
 * same member, project and date filters; it has no kind filter (it lists what moved the balance).
 */
export function statementCsvHref(orgId: string, filters: TransactionFilters): string {
  const search = new URLSearchParams(transactionFilterQuery({ ...filters, kinds: [] })).toString();
  return `/api/orgs/${orgId}/usage/statement.csv${search === '' ? '' : `?${search}`}`;
}

export interface PoolEffect {
  /** '+' credits entered the pool, '−' they left it, '' nothing moved yet (or a hold came back). */
  sign: '+' | '−' | '';
  amountCredits: number;
  /** A word on what happened to the pool's available credits. */
  note: string;
}

/**
 * How a transfer changed the pool, in words a manager reads. A hold only reserves credits (the
 * available balance drops, nothing is spent yet); its capture spends them; a void or an expiry
 * gives them back to the available balance.
 */
export function poolEffect(transfer: Pick<TransactionView, 'kind' | 'phase' | 'debitAccount' | 'creditAccount' | 'amountCredits'>): PoolEffect {
  const amountCredits = transfer.amountCredits;
  if (transfer.phase === 'pending') return { sign: '−', amountCredits, note: 'reserved' };
  if (transfer.phase === 'void_pending') return { sign: '+', amountCredits, note: 'returned' };
  if (transfer.creditAccount === 'pool') return { sign: '+', amountCredits, note: '' };
  if (transfer.debitAccount === 'pool') return { sign: '−', amountCredits, note: '' };
  return { sign: '', amountCredits, note: '' };
}

function localMidnight(day: string, addDays: number): Date {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(year, month - 1, date + addDays);
}
