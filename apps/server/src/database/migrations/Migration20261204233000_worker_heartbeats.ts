import { Migration } from '@mikro-orm/migrations';

/** Each worker of each node says it is alive; a worker silent too long is dead and its locked jobs and queues are freed. */
export class Migration20261204233000_worker_heartbeats extends Migration {

  override name = 'Migration20261204233000_worker_heartbeats';

  override up(): void | Promise<void> {
    this.addSql(`create table "worker_heartbeats" ("worker_id" text not null, "beat_at" timestamptz not null default now(), primary key ("worker_id"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "worker_heartbeats";`);
  }

}
