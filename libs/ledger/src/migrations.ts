import pg from 'pg';
import { assert } from './assert.js';
import type { Queryable } from './database.js';

export interface LedgerMigration {
  version: number;
  name: string;
  sql: string;
}

const initialSchema = /* sql */ `
-- Periods are a function of time in the pool's time zone: no reset job, nothing to race.
-- 'none' is one endless period starting at -infinity.
create function ledger.period_start(period text, time_zone text, at_time timestamptz)
returns timestamptz language sql stable parallel safe as $$
  select case when period = 'none' then '-infinity'::timestamptz
              else date_trunc(period, at_time at time zone time_zone) at time zone time_zone end
$$;

create function ledger.period_end(period text, time_zone text, at_time timestamptz)
returns timestamptz language sql stable parallel safe as $$
  select case when period = 'none' then 'infinity'::timestamptz
              else (date_trunc(period, at_time at time zone time_zone) + ('1 ' || period)::interval) at time zone time_zone end
$$;

-- One row per org: the lock every change to the org's ledger takes first.
create table ledger.pools (
  org_id uuid primary key,
  time_zone text not null,
  balance_version bigint not null default 0 check (balance_version >= 0),
  created_at timestamptz not null
);

create table ledger.accounts (
  account_id bigint generated always as identity primary key,
  org_id uuid not null references ledger.pools (org_id),
  kind text not null check (kind in ('pool', 'purchase', 'subscription', 'promotion', 'adjustment', 'usage', 'expiry')),
  debits_posted bigint not null default 0 check (debits_posted >= 0),
  credits_posted bigint not null default 0 check (credits_posted >= 0),
  debits_pending bigint not null default 0 check (debits_pending >= 0),
  credits_pending bigint not null default 0 check (credits_pending >= 0),
  -- The last line of defence against an overdraft: what a pool holds is covered by what it has.
  constraint pool_never_overdrawn check (kind <> 'pool' or credits_posted - debits_posted - debits_pending >= 0),
  unique (org_id, kind)
);

create sequence ledger.transfer_ids as bigint;

-- Append-only: a correction is a new transfer.
create table ledger.transfers (
  transfer_id bigint primary key,
  org_id uuid not null,
  kind text not null check (kind in ('grant', 'hold', 'capture', 'void', 'hold_expiry', 'grant_expiry', 'adjustment', 'reversal')),
  phase text not null check (phase in ('posted', 'pending', 'post_pending', 'void_pending')),
  debit_account_id bigint not null,
  credit_account_id bigint not null,
  amount_credits bigint not null check (amount_credits >= 0),
  pending_transfer_id bigint,
  hold_id uuid,
  grant_id bigint,
  member_id uuid,
  project_id uuid,
  actor_id uuid,
  reason text,
  job_id text,
  purchase_id text,
  operation_id uuid,
  corrects_transfer_id bigint,
  created_at timestamptz not null,
  check (debit_account_id <> credit_account_id),
  check ((phase in ('post_pending', 'void_pending')) = (pending_transfer_id is not null))
);
create index transfers_by_org on ledger.transfers (org_id, transfer_id);
create index transfers_by_member on ledger.transfers (org_id, member_id, transfer_id) where member_id is not null;
create index transfers_by_project on ledger.transfers (org_id, project_id, transfer_id) where project_id is not null;
-- A hold resolves exactly once: at most one capture, void or expiry per pending transfer.
create unique index transfers_resolve_once on ledger.transfers (pending_transfer_id) where pending_transfer_id is not null;

create function ledger.refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'ledger.% is append-only', tg_table_name using errcode = 'restrict_violation';
end
$$;
create trigger transfers_append_only before update or delete on ledger.transfers
  for each row execute function ledger.refuse_change();
create trigger transfers_no_truncate before truncate on ledger.transfers
  for each statement execute function ledger.refuse_change();

create sequence ledger.grant_ids as bigint;

create table ledger.grants (
  grant_id bigint primary key,
  org_id uuid not null references ledger.pools (org_id),
  source text not null check (source in ('purchase', 'subscription', 'promotion', 'adjustment')),
  amount_credits bigint not null check (amount_credits > 0),
  -- Posted in the pool, neither consumed nor expired; includes held_credits.
  remaining_credits bigint not null,
  held_credits bigint not null default 0,
  priority integer not null,
  expires_at timestamptz,
  expired_at timestamptz,
  -- remaining_credits > 0: keeps the spend-order index to grants that can still matter.
  active boolean not null,
  transfer_id bigint not null,
  created_at timestamptz not null,
  check (held_credits >= 0 and held_credits <= remaining_credits and remaining_credits <= amount_credits),
  check (active = (remaining_credits > 0))
);
-- Spending order: priority, then soonest expiry (never-expiring last), then oldest.
create index grants_spend_order on ledger.grants (org_id, priority, expires_at, grant_id) where active;
create index grants_to_expire on ledger.grants (expires_at) where expired_at is null and expires_at is not null;

create table ledger.grant_consumptions (
  transfer_id bigint not null,
  grant_id bigint not null,
  -- Positive: consumed; negative: restored by a refund.
  amount_credits bigint not null check (amount_credits <> 0),
  primary key (transfer_id, grant_id)
);
create index grant_consumptions_by_grant on ledger.grant_consumptions (grant_id);

create table ledger.holds (
  hold_id uuid primary key,
  org_id uuid not null,
  member_id uuid not null,
  project_id uuid,
  amount_credits bigint not null check (amount_credits > 0),
  -- 'rejected': a hold refused by a limit, kept so that a retry returns the same refusal.
  status text not null check (status in ('pending', 'captured', 'voided', 'expired', 'rejected')),
  placed_at timestamptz not null,
  expires_at timestamptz,
  -- The budget period each budget counts this hold in ('-infinity' for period none).
  member_period_start timestamptz,
  project_period_start timestamptz,
  allocation_grant_ids bigint[] not null default '{}',
  allocation_credits bigint[] not null default '{}',
  transfer_id bigint,
  job_id text,
  actor_id uuid not null,
  reason text,
  captured_credits bigint,
  refunded_credits bigint not null default 0,
  resolved_at timestamptz,
  request_fingerprint text not null,
  -- What the first result said, so a retry returns it: the balance after an accepted hold (its
  -- view is rebuilt from the columns above), the whole refusal for a refused one.
  initial_expires_at timestamptz,
  balance_posted_credits bigint,
  balance_pending_credits bigint,
  balance_available_credits bigint,
  balance_version bigint,
  refusal jsonb,
  resolution_fingerprint text,
  resolution_operation_id uuid,
  resolution_result jsonb,
  check ((status = 'rejected') = (transfer_id is null)),
  check ((status = 'rejected') = (refusal is not null)),
  check (status = 'rejected' or (initial_expires_at is not null and balance_version is not null)),
  check (status = 'rejected' or (expires_at is not null and member_period_start is not null)),
  check ((status in ('pending', 'rejected')) = (resolved_at is null)),
  check (captured_credits is null or (captured_credits >= 0 and captured_credits <= amount_credits)),
  check (refunded_credits >= 0 and refunded_credits <= coalesce(captured_credits, 0))
);
create index holds_pending_by_expiry on ledger.holds (expires_at) where status = 'pending';
create index holds_by_member on ledger.holds (org_id, member_id, placed_at) where status <> 'rejected';
create index holds_by_project on ledger.holds (org_id, project_id, placed_at) where project_id is not null and status <> 'rejected';
create unique index holds_resolution_operation on ledger.holds (resolution_operation_id) where resolution_operation_id is not null;

create table ledger.budgets (
  org_id uuid not null references ledger.pools (org_id),
  scope text not null check (scope in ('member', 'project')),
  subject_id uuid not null,
  limit_credits bigint check (limit_credits >= 0),
  period text not null check (period in ('none', 'day', 'week', 'month')),
  updated_at timestamptz not null,
  primary key (org_id, scope, subject_id)
);

-- Per budget subject and period: what holds placed in that period hold and have spent.
-- A materialisation of ledger.holds, kept in step in the same transactions.
create table ledger.budget_usage (
  org_id uuid not null,
  scope text not null check (scope in ('member', 'project')),
  subject_id uuid not null,
  period_start timestamptz not null,
  spent_credits bigint not null default 0 check (spent_credits >= 0),
  pending_credits bigint not null default 0 check (pending_credits >= 0),
  primary key (org_id, scope, subject_id, period_start)
);

-- Idempotency of every operation other than placing a hold (a hold's id is its own record).
create table ledger.operations (
  operation_id uuid primary key,
  kind text not null,
  org_id uuid,
  request_fingerprint text not null,
  result jsonb not null,
  created_at timestamptz not null
);

-- The balance of a pool as every operation reports it.
create function ledger.pool_balance(balance_org_id uuid, at_time timestamptz)
returns table (org_id uuid, posted_credits bigint, pending_credits bigint, available_credits bigint, balance_version bigint)
language sql stable as $$
  select p.org_id,
         a.credits_posted - a.debits_posted,
         a.debits_pending,
         coalesce((select sum(g.remaining_credits - g.held_credits) from ledger.grants g
                   where g.org_id = p.org_id and g.active and (g.expires_at is null or g.expires_at > at_time)), 0)::bigint,
         p.balance_version
  from ledger.pools p
  join ledger.accounts a on a.org_id = p.org_id and a.kind = 'pool'
  where p.org_id = balance_org_id
$$;
`;

const timeZoneCheck = /* sql */ `
-- Whether Postgres knows a time zone name; pg_timezone_names reads the whole zone database (tens
-- of milliseconds), this costs a subtransaction.
create function ledger.is_time_zone(time_zone text) returns boolean language plpgsql stable as $$
begin
  perform now() at time zone time_zone;
  return true;
exception when invalid_parameter_value then
  return false;
end
$$;
`;

const deficits = /* sql */ `
-- A refund or dispute takes back the unspent part of the grant it paid for; what was already spent
-- becomes the pool's deficit: it blocks new holds, and credits that arrive pay it off first.
alter table ledger.pools
  add column deficit_credits bigint not null default 0 check (deficit_credits >= 0),
  add column deficit_since timestamptz;

-- Credits of a grant that refunds and disputes have covered so far (never more than the grant).
alter table ledger.grants
  add column clawed_back_credits bigint not null default 0
  check (clawed_back_credits >= 0 and clawed_back_credits <= amount_credits);

-- Expiries and revocations of one grant, found without scanning the org's whole journal.
create index transfers_by_grant on ledger.transfers (grant_id) where grant_id is not null;

-- The deficit's journal: + what a claw-back could not take back (already spent), - what paid it off.
create table ledger.deficit_entries (
  entry_id bigint generated always as identity primary key,
  org_id uuid not null references ledger.pools (org_id),
  kind text not null check (kind in ('clawback', 'settlement')),
  amount_credits bigint not null check (amount_credits <> 0),
  check ((kind = 'clawback') = (amount_credits > 0)),
  grant_id bigint,
  transfer_id bigint,
  operation_id uuid not null,
  purchase_id text,
  reason text not null,
  created_at timestamptz not null
);
create index deficit_entries_by_org on ledger.deficit_entries (org_id, entry_id);
create index deficit_entries_by_grant on ledger.deficit_entries (grant_id) where grant_id is not null;
create trigger deficit_entries_append_only before update or delete on ledger.deficit_entries
  for each row execute function ledger.refuse_change();
`;

// History by time: the transfer ids of a time range come from this index alone (index-only), and
// the history then walks the org's ids between them, skipping newer history entirely.
const transfersByTime = `
create index transfers_by_org_time on ledger.transfers (org_id, created_at) include (transfer_id);
`;

// A claw-back covers credits of a grant at once, but collects them as they can be: unspent ones
// now, spent ones as deficit, and those pending holds still hold when the holds resolve (what they
// capture is owed, what they release is taken back). Settled = collected, or lost to expiry.
const clawBackCollection = `
alter table ledger.grants add column claw_back_settled_credits bigint not null default 0;
update ledger.grants set claw_back_settled_credits = clawed_back_credits;
alter table ledger.grants add constraint claw_back_settled_within_covered
  check (claw_back_settled_credits >= 0 and claw_back_settled_credits <= clawed_back_credits);
`;

/** The ledger's migrations, in order. Never edit one that has shipped: add a new one. */
export const ledgerMigrations: readonly LedgerMigration[] = [
  { version: 1, name: 'initial schema', sql: initialSchema },
  { version: 2, name: 'time zone check', sql: timeZoneCheck },
  { version: 3, name: 'deficits and claw-backs', sql: deficits },
  { version: 4, name: 'transfers by time', sql: transfersByTime },
  { version: 5, name: 'claw-backs collected as holds resolve', sql: clawBackCollection },
];

/** Serialises concurrent `migrateLedger` calls (two server nodes starting at once). */
const MIGRATION_LOCK_KEY = [0x6c656467, 0x6d696772] as const; // 'ledg', 'migr'

/**
 * Applies the ledger's migrations that are not applied yet, each in its own transaction, under a
 * session advisory lock. Safe to run repeatedly and concurrently.
 */
export async function migrateLedger(database: pg.Pool | pg.Client): Promise<void> {
  const isPool = database instanceof pg.Pool;
  const client: pg.ClientBase = isPool ? await database.connect() : database;
  try {
    await client.query('select pg_advisory_lock($1, $2)', [...MIGRATION_LOCK_KEY]);
    try {
      await client.query(`create schema if not exists ledger;
        create table if not exists ledger.schema_migrations (
          version integer primary key,
          name text not null,
          applied_at timestamptz not null default now()
        )`);
      const applied = await client.query<{ version: number }>('select version from ledger.schema_migrations');
      const appliedVersions = new Set(applied.rows.map((row) => row.version));
      for (const migration of ledgerMigrations) {
        if (appliedVersions.has(migration.version)) {
          continue;
        }
        await applyMigration(client, migration);
      }
    } finally {
      await client.query('select pg_advisory_unlock($1, $2)', [...MIGRATION_LOCK_KEY]);
    }
  } finally {
    if (isPool) {
      (client as pg.PoolClient).release();
    }
  }
}

async function applyMigration(client: Queryable, migration: LedgerMigration): Promise<void> {
  assert(Number.isInteger(migration.version) && migration.version > 0, 'migration versions are positive integers');
  await client.query('begin');
  try {
    await client.query(migration.sql);
    await client.query('insert into ledger.schema_migrations (version, name) values ($1, $2)', [
      migration.version,
      migration.name,
    ]);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}
