import { Migration } from '@mikro-orm/migrations';

export class Migration20261121234932_jobs extends Migration {

  override name = 'Migration20261121234932_jobs';

  override up(): void | Promise<void> {
    this.addSql(`create table "free_allowance_usage" ("organization_id" uuid not null, "allowance_id" varchar(64) not null, "period_start" varchar(10) not null, "units_used" int not null default 0, primary key ("organization_id", "allowance_id", "period_start"));`);

    this.addSql(`create table "jobs" ("id" uuid not null, "organization_id" uuid not null, "project_id" uuid null, "author_id" uuid not null, "api_key_id" uuid null, "workspace_id" uuid null, "status" varchar(16) not null, "operation" varchar(40) not null, "model_id" varchar(64) not null, "provider" varchar(32) not null, "request" jsonb not null, "prompt" text not null, "negative_prompt" text null, "search_prompt" text null, "seed" bigint not null, "variations" int not null, "unit_credits" bigint not null, "price_credits" bigint not null, "captured_credits" bigint null, "catalog_id" varchar(64) not null, "catalog_version" int not null, "line_items" jsonb not null, "source_asset_id" uuid null, "parent_asset_id" uuid null, "mask_key" varchar(255) null, "free_allowance_id" varchar(64) null, "free_units" int not null default 0, "idempotency_key" varchar(128) null, "request_fingerprint" varchar(64) not null, "images_done" int not null default 0, "progress_percent" int not null default 0, "error_code" varchar(64) null, "error_message" text null, "attempts" int not null default 0, "cancel_requested_at" timestamptz null, "created_at" timestamptz not null default now(), "started_at" timestamptz null, "finished_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "jobs_organization_id_created_at_index" on "jobs" ("organization_id", "created_at");`);
    this.addSql(`create index "jobs_status_provider_created_at_index" on "jobs" ("status", "provider", "created_at");`);
    this.addSql(`alter table "jobs" add constraint "jobs_organization_id_author_id_idempotency_key_unique" unique ("organization_id", "author_id", "idempotency_key");`);

    this.addSql(`create table "assets" ("id" uuid not null, "organization_id" uuid not null, "job_id" uuid not null, "image_index" int not null, "project_id" uuid null, "author_id" uuid not null, "workspace_id" uuid null, "storage_key" varchar(255) not null, "content_type" varchar(64) not null default 'image/png', "bytes" int not null, "width" int not null, "height" int not null, "prompt" text not null, "negative_prompt" text null, "operation" varchar(40) not null, "model_id" varchar(64) not null, "provider" varchar(32) not null, "seed" bigint not null, "steps" int null, "price_credits" bigint not null, "catalog_id" varchar(64) not null, "catalog_version" int not null, "mask_key" varchar(255) null, "parent_asset_id" uuid null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "assets_organization_id_created_at_index" on "assets" ("organization_id", "created_at");`);
    this.addSql(`create index "assets_organization_id_operation_index" on "assets" ("organization_id", "operation");`);
    this.addSql(`alter table "assets" add constraint "assets_job_id_image_index_unique" unique ("job_id", "image_index");`);

    this.addSql(`alter table "free_allowance_usage" add constraint "free_allowance_usage_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);

    this.addSql(`alter table "jobs" add constraint "jobs_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "jobs" add constraint "jobs_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete set null;`);
    this.addSql(`alter table "jobs" add constraint "jobs_author_id_foreign" foreign key ("author_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "assets" add constraint "assets_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "assets" add constraint "assets_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`);
    this.addSql(`alter table "assets" add constraint "assets_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete set null;`);
    this.addSql(`alter table "assets" add constraint "assets_author_id_foreign" foreign key ("author_id") references "users" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "assets" drop constraint "assets_job_id_foreign";`);

    this.addSql(`drop table if exists "free_allowance_usage" cascade;`);
    this.addSql(`drop table if exists "jobs" cascade;`);
    this.addSql(`drop table if exists "assets" cascade;`);
  }

}
