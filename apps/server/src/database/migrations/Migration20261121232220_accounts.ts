import { Migration } from '@mikro-orm/migrations';

export class Migration20261121232220_accounts extends Migration {

  override name = 'Migration20261121232220_accounts';

  override up(): void | Promise<void> {
    this.addSql(`create table "organizations" ("id" uuid not null, "name" varchar(100) not null, "time_zone" varchar(64) not null default 'UTC', "default_budget_limit_credits" bigint null, "default_budget_period" varchar(8) not null default 'month', "max_concurrent_jobs_per_member" int not null default 4, "created_at" timestamptz not null default now(), "deleted_at" timestamptz null, primary key ("id"));`);

    this.addSql(`create table "projects" ("id" uuid not null, "organization_id" uuid not null, "name" varchar(100) not null, "budget_limit_credits" bigint null, "budget_period" varchar(8) not null default 'none', "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "projects" add constraint "projects_organization_id_name_unique" unique ("organization_id", "name");`);

    this.addSql(`create table "users" ("id" uuid not null, "email" varchar(254) not null, "password_hash" varchar(255) not null, "name" varchar(100) not null, "last_organization_id" uuid null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(`create table "sessions" ("id" uuid not null, "token_hash" varchar(64) not null, "user_id" uuid not null, "csrf_token" varchar(64) not null, "user_agent" varchar(255) null, "created_at" timestamptz not null default now(), "last_seen_at" timestamptz not null default now(), "expires_at" timestamptz not null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "sessions" add constraint "sessions_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);

    this.addSql(`create table "password_reset_tokens" ("token_hash" varchar(64) not null, "user_id" uuid not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "used_at" timestamptz null, primary key ("token_hash"));`);
    this.addSql(`create index "password_reset_tokens_user_id_index" on "password_reset_tokens" ("user_id");`);

    this.addSql(`create table "memberships" ("organization_id" uuid not null, "user_id" uuid not null, "role" varchar(16) not null, "budget_limit_credits" bigint null, "budget_period" varchar(8) not null default 'month', "alert_thresholds_percent" jsonb not null default '[]', "allowed_models" jsonb null, "created_at" timestamptz not null default now(), primary key ("organization_id", "user_id"));`);
    this.addSql(`create index "memberships_user_id_index" on "memberships" ("user_id");`);

    this.addSql(`create table "invitations" ("id" uuid not null, "organization_id" uuid not null, "email" varchar(254) not null, "role" varchar(16) not null, "token_hash" varchar(64) not null, "invited_by_id" uuid not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "accepted_at" timestamptz null, "accepted_by_id" uuid null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "invitations_organization_id_index" on "invitations" ("organization_id");`);
    this.addSql(`alter table "invitations" add constraint "invitations_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "audit_entries" ("id" bigserial primary key, "organization_id" uuid not null, "actor_id" uuid null, "action" varchar(64) not null, "target_type" varchar(32) not null, "target_id" varchar(64) not null, "before" jsonb null, "after" jsonb null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "audit_entries_organization_id_created_at_index" on "audit_entries" ("organization_id", "created_at");`);

    this.addSql(`create table "api_keys" ("id" uuid not null, "organization_id" uuid not null, "user_id" uuid not null, "name" varchar(100) not null, "prefix" varchar(16) not null, "secret_hash" varchar(64) not null, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "api_keys_organization_id_index" on "api_keys" ("organization_id");`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_secret_hash_unique" unique ("secret_hash");`);

    this.addSql(`alter table "projects" add constraint "projects_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);

    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "password_reset_tokens" add constraint "password_reset_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "memberships" add constraint "memberships_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "memberships" add constraint "memberships_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "invitations" add constraint "invitations_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "invitations" add constraint "invitations_invited_by_id_foreign" foreign key ("invited_by_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "invitations" add constraint "invitations_accepted_by_id_foreign" foreign key ("accepted_by_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "audit_entries" add constraint "audit_entries_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "audit_entries" add constraint "audit_entries_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "api_keys" add constraint "api_keys_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "projects" drop constraint "projects_organization_id_foreign";`);
    this.addSql(`alter table "memberships" drop constraint "memberships_organization_id_foreign";`);
    this.addSql(`alter table "invitations" drop constraint "invitations_organization_id_foreign";`);
    this.addSql(`alter table "audit_entries" drop constraint "audit_entries_organization_id_foreign";`);
    this.addSql(`alter table "api_keys" drop constraint "api_keys_organization_id_foreign";`);
    this.addSql(`alter table "sessions" drop constraint "sessions_user_id_foreign";`);
    this.addSql(`alter table "password_reset_tokens" drop constraint "password_reset_tokens_user_id_foreign";`);
    this.addSql(`alter table "memberships" drop constraint "memberships_user_id_foreign";`);
    this.addSql(`alter table "invitations" drop constraint "invitations_invited_by_id_foreign";`);
    this.addSql(`alter table "invitations" drop constraint "invitations_accepted_by_id_foreign";`);
    this.addSql(`alter table "audit_entries" drop constraint "audit_entries_actor_id_foreign";`);
    this.addSql(`alter table "api_keys" drop constraint "api_keys_user_id_foreign";`);

    this.addSql(`drop table if exists "organizations" cascade;`);
    this.addSql(`drop table if exists "projects" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "sessions" cascade;`);
    this.addSql(`drop table if exists "password_reset_tokens" cascade;`);
    this.addSql(`drop table if exists "memberships" cascade;`);
    this.addSql(`drop table if exists "invitations" cascade;`);
    this.addSql(`drop table if exists "audit_entries" cascade;`);
    this.addSql(`drop table if exists "api_keys" cascade;`);
  }

}
