import type pg from 'pg';
import { query } from './database.js';

/**
 * Audits the ledger against its own journal. Each check is a query returning the rows that break
 * it; an empty list of violations means every check holds. Read-only; cost grows with the data, so
 * run it in tests and audits, not per request.
 */
const checks: { name: string; sql: string }[] = [
  {
    name: 'all accounts sum to zero',
    sql: `select org_id, sum(credits_posted - debits_posted) as posted, sum(credits_pending - debits_pending) as pending
          from ledger.accounts where ($1::uuid is null or org_id = $1) group by org_id
          having sum(credits_posted - debits_posted) <> 0 or sum(credits_pending - debits_pending) <> 0`,
  },
  {
    name: 'account balances equal the sum of their transfers',
    sql: `with effects as (
            select t.debit_account_id as account_id,
                   case when t.phase in ('posted', 'post_pending') then t.amount_credits else 0 end as debits_posted,
                   0::bigint as credits_posted,
                   case when t.phase = 'pending' then t.amount_credits
                        when t.phase in ('post_pending', 'void_pending') then -p.amount_credits else 0 end as debits_pending,
                   0::bigint as credits_pending
            from ledger.transfers t left join ledger.transfers p on p.transfer_id = t.pending_transfer_id
            where ($1::uuid is null or t.org_id = $1)
            union all
            select t.credit_account_id, 0,
                   case when t.phase in ('posted', 'post_pending') then t.amount_credits else 0 end, 0,
                   case when t.phase = 'pending' then t.amount_credits
                        when t.phase in ('post_pending', 'void_pending') then -p.amount_credits else 0 end
            from ledger.transfers t left join ledger.transfers p on p.transfer_id = t.pending_transfer_id
            where ($1::uuid is null or t.org_id = $1)),
          sums as (select account_id, sum(debits_posted) dp, sum(credits_posted) cp, sum(debits_pending) dpe, sum(credits_pending) cpe
                   from effects group by account_id)
          select a.account_id, a.kind from ledger.accounts a left join sums s using (account_id)
          where ($1::uuid is null or a.org_id = $1)
            and (a.debits_posted <> coalesce(s.dp, 0) or a.credits_posted <> coalesce(s.cp, 0)
                 or a.debits_pending <> coalesce(s.dpe, 0) or a.credits_pending <> coalesce(s.cpe, 0))`,
  },
  {
    name: 'no available balance below zero',
    sql: `select a.org_id from ledger.accounts a
          where a.kind = 'pool' and ($1::uuid is null or a.org_id = $1)
            and a.credits_posted - a.debits_posted - a.debits_pending < 0
          union all
          select g.org_id from ledger.grants g
          where ($1::uuid is null or g.org_id = $1) and (g.remaining_credits < g.held_credits or g.held_credits < 0)`,
  },
  {
    name: 'the pool account equals its grants (posted = remaining, pending = held)',
    sql: `select a.org_id from ledger.accounts a
          left join (select org_id, sum(remaining_credits) remaining, sum(held_credits) held from ledger.grants group by org_id) g
            using (org_id)
          where a.kind = 'pool' and ($1::uuid is null or a.org_id = $1)
            and (a.credits_posted - a.debits_posted <> coalesce(g.remaining, 0) or a.debits_pending <> coalesce(g.held, 0))`,
  },
  {
    name: 'each grant is held by exactly its pending holds',
    sql: `select g.grant_id from ledger.grants g
          left join (select u.grant_id, sum(u.credits) held
                     from ledger.holds h, unnest(h.allocation_grant_ids, h.allocation_credits) as u(grant_id, credits)
                     where h.status = 'pending' group by u.grant_id) h using (grant_id)
          where ($1::uuid is null or g.org_id = $1) and g.held_credits <> coalesce(h.held, 0)`,
  },
  {
    name: 'each grant is remaining + consumed + expired',
    sql: `select g.grant_id from ledger.grants g
          left join (select grant_id, sum(amount_credits) consumed from ledger.grant_consumptions group by grant_id) c using (grant_id)
          left join (select grant_id, sum(amount_credits) expired from ledger.transfers where kind = 'grant_expiry' group by grant_id) e
            using (grant_id)
          where ($1::uuid is null or g.org_id = $1)
            and g.amount_credits <> g.remaining_credits + coalesce(c.consumed, 0) + coalesce(e.expired, 0)`,
  },
  {
    name: 'a pending hold allocates exactly its amount',
    sql: `select h.hold_id from ledger.holds h
          where h.status <> 'rejected' and ($1::uuid is null or h.org_id = $1)
            and h.amount_credits <> (select coalesce(sum(c), 0) from unnest(h.allocation_credits) c)`,
  },
  {
    name: 'a hold resolves exactly once, as its status says',
    sql: `select h.hold_id from ledger.holds h
          left join (select pending_transfer_id, count(*) n, max(kind) kind, max(amount_credits) amount
                     from ledger.transfers where pending_transfer_id is not null group by pending_transfer_id) r
            on r.pending_transfer_id = h.transfer_id
          where h.status <> 'rejected' and ($1::uuid is null or h.org_id = $1)
            and not ((h.status = 'pending' and r.n is null)
                  or (h.status = 'captured' and r.n = 1 and r.kind = 'capture' and r.amount = h.captured_credits)
                  or (h.status = 'voided' and r.n = 1 and r.kind = 'void')
                  or (h.status = 'expired' and r.n = 1 and r.kind = 'hold_expiry'))`,
  },
  {
    name: 'budget usage equals the holds counted in it',
    sql: `with expected as (
            select org_id, 'member' as scope, member_id as subject_id, member_period_start as period_start,
                   sum(case when status = 'captured' then captured_credits - refunded_credits else 0 end) spent,
                   sum(case when status = 'pending' then amount_credits else 0 end) pending
            from ledger.holds where status <> 'rejected' group by 1, 2, 3, 4
            union all
            select org_id, 'project', project_id, project_period_start,
                   sum(case when status = 'captured' then captured_credits - refunded_credits else 0 end),
                   sum(case when status = 'pending' then amount_credits else 0 end)
            from ledger.holds where status <> 'rejected' and project_id is not null group by 1, 2, 3, 4)
          select coalesce(e.org_id, u.org_id) org_id, coalesce(e.subject_id, u.subject_id) subject_id
          from expected e full join ledger.budget_usage u
            on u.org_id = e.org_id and u.scope = e.scope and u.subject_id = e.subject_id and u.period_start = e.period_start
          where ($1::uuid is null or coalesce(e.org_id, u.org_id) = $1)
            and (coalesce(e.spent, 0) <> coalesce(u.spent_credits, 0) or coalesce(e.pending, 0) <> coalesce(u.pending_credits, 0))`,
  },
  {
    name: 'the deficit equals its entries',
    sql: `select p.org_id from ledger.pools p
          left join (select org_id, sum(amount_credits) total from ledger.deficit_entries group by org_id) d using (org_id)
          where ($1::uuid is null or p.org_id = $1) and p.deficit_credits <> coalesce(d.total, 0)`,
  },
  {
    name: 'claw-backs cover at most their grant, and charge as deficit at most what it covered',
    sql: `select g.grant_id from ledger.grants g
          left join (select grant_id, sum(amount_credits) charged from ledger.deficit_entries where kind = 'clawback' group by grant_id) d
            using (grant_id)
          where ($1::uuid is null or g.org_id = $1)
            and (g.clawed_back_credits > g.amount_credits or coalesce(d.charged, 0) > g.clawed_back_credits)`,
  },
  {
    name: 'claw-backs wait only for credits pending holds hold',
    sql: `select g.grant_id from ledger.grants g
          where ($1::uuid is null or g.org_id = $1) and g.clawed_back_credits - g.claw_back_settled_credits > g.held_credits`,
  },
];

export interface InvariantReport {
  ok: boolean;
  violations: { check: string; rows: unknown[] }[];
}

export async function checkInvariants(client: pg.Pool | pg.ClientBase, orgId: string | null = null): Promise<InvariantReport> {
  const violations: InvariantReport['violations'] = [];
  for (const check of checks) {
    const rows = await query<Record<string, unknown>>(client, check.sql, [orgId]);
    if (rows.length > 0) {
      violations.push({ check: check.name, rows: rows.slice(0, 10) });
    }
  }
  return { ok: violations.length === 0, violations };
}
