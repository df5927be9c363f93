import type pg from 'pg';
import { inTransaction } from '../repositories/postgres-pool.repository.js';

/**
 * A member's slot (a graphile-worker named queue) runs one job at a time, and nothing in
 * graphile-worker announces the moment a slot frees: the next job of that slot was announced when
 * it was added, to workers that could not take it then, and would wait for a poll. This trigger
 * announces it when the slot's lock is released (a job completed or failed, or a dead worker's
 * locks freed), on the channel the workers listen to. Postgres delivers the notification when the
 * release commits, the first moment a worker can take the next job. The payload names the queue
 * so that several slots freed in one transaction are not folded into one notification.
 *
 * graphile-worker owns its schema and migrates it when it starts; this runs after its migrations,
 * every time (create or replace), so the trigger is on the table graphile-worker uses now.
 */
const NOTIFY_FUNCTION = `
create or replace function public.atelier_queue_unlocked() returns trigger language plpgsql as $$
begin
  perform pg_notify('jobs:insert', json_build_object('count', 1, 'queue', new.id)::text);
  return null;
end
$$`;

const TRIGGER = `
create trigger atelier_queue_unlocked
  after update of locked_by on graphile_worker._private_job_queues
  for each row when (old.locked_by is not null and new.locked_by is null)
  execute function public.atelier_queue_unlocked()`;

/**
 * Our additions to graphile-worker's schema, after its own migrations have run. Nodes starting
 * together take turns (an advisory lock); the trigger is only created where it is missing, since
 * creating it locks the queue table against the workers of nodes already running.
 */
export async function installQueueNotifications(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(`select pg_advisory_xact_lock(hashtext('atelier:queue-notifications'))`);
    await client.query(NOTIFY_FUNCTION);
    const existing = await client.query(`select 1 from pg_trigger where tgname = 'atelier_queue_unlocked' and tgrelid = 'graphile_worker._private_job_queues'::regclass`);
    if (existing.rowCount === 0) await client.query(TRIGGER);
  });
}
