import { Migration } from '@mikro-orm/migrations';

/**
 * A queued job's priority in the queue: how many jobs its member had waiting when it was queued
 * (graphile-worker runs the lowest first), so one member's backlog does not hold up everyone
 * else's jobs, in their org or another. A job's place in line is counted in that order among its
 * org's queued jobs (the first index), never across orgs; the member index serves the backlog's
 * count and highest priority.
 */
export class Migration20261206010000_queue_priority extends Migration {

  override name = 'Migration20261206010000_queue_priority';

  override up(): void | Promise<void> {
    this.addSql(`alter table "jobs" add column "queue_priority" int not null default 0;`);
    this.addSql(`drop index if exists "jobs_status_provider_created_at_index";`);
    this.addSql(`create index "jobs_organization_id_status_provider_queue_priorit_c67cd_index" on "jobs" ("organization_id", "status", "provider", "queue_priority", "created_at");`);
    this.addSql(`create index "jobs_organization_id_author_id_status_queue_priority_index" on "jobs" ("organization_id", "author_id", "status", "queue_priority");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "jobs_organization_id_author_id_status_queue_priority_index";`);
    this.addSql(`drop index if exists "jobs_organization_id_status_provider_queue_priorit_c67cd_index";`);
    this.addSql(`create index "jobs_status_provider_created_at_index" on "jobs" ("status", "provider", "created_at");`);
    this.addSql(`alter table "jobs" drop column "queue_priority";`);
  }

}
