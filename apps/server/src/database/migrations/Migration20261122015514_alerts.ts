import { Migration } from '@mikro-orm/migrations';

export class Migration20261122015514_alerts extends Migration {

  override name = 'Migration20261122015514_alerts';

  override up(): void | Promise<void> {
    this.addSql(`create table "alert_settings" ("organization_id" uuid not null, "low_balance_credits" bigint null, "grant_expiry_notice_days" int not null default 3, "webhook_url" varchar(2048) null, "webhook_secret" varchar(128) null, "updated_at" timestamptz not null default now(), primary key ("organization_id"));`);

    this.addSql(`create table "alerts" ("id" uuid not null, "organization_id" uuid not null, "kind" varchar(32) not null, "subject_key" varchar(128) not null, "threshold" bigint not null, "period_key" varchar(64) not null, "title" varchar(200) not null, "message" text not null, "data" jsonb not null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "alerts_organization_id_created_at_index" on "alerts" ("organization_id", "created_at");`);
    this.addSql(`alter table "alerts" add constraint "alerts_organization_id_kind_subject_key_threshold_60377_unique" unique ("organization_id", "kind", "subject_key", "threshold", "period_key");`);

    this.addSql(`create table "notifications" ("id" uuid not null, "alert_id" uuid not null, "organization_id" uuid not null, "user_id" uuid not null, "created_at" timestamptz not null default now(), "read_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "notifications_alert_id_index" on "notifications" ("alert_id");`);
    this.addSql(`create index "notifications_user_id_organization_id_created_at_index" on "notifications" ("user_id", "organization_id", "created_at");`);

    this.addSql(`create table "alert_webhook_attempts" ("id" uuid not null, "alert_id" uuid not null, "organization_id" uuid not null, "attempt" int not null, "url" varchar(2048) not null, "outcome" varchar(16) not null, "status_code" int null, "error" text null, "duration_ms" int not null, "next_attempt_at" timestamptz null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "alert_webhook_attempts_alert_id_index" on "alert_webhook_attempts" ("alert_id");`);
    this.addSql(`create index "alert_webhook_attempts_organization_id_created_at_index" on "alert_webhook_attempts" ("organization_id", "created_at");`);

    this.addSql(`alter table "alert_settings" add constraint "alert_settings_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "alerts" add constraint "alerts_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);

    this.addSql(`alter table "notifications" add constraint "notifications_alert_id_foreign" foreign key ("alert_id") references "alerts" ("id") on delete cascade;`);
    this.addSql(`alter table "notifications" add constraint "notifications_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "notifications" add constraint "notifications_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "alert_webhook_attempts" add constraint "alert_webhook_attempts_alert_id_foreign" foreign key ("alert_id") references "alerts" ("id") on delete cascade;`);
    this.addSql(`alter table "alert_webhook_attempts" add constraint "alert_webhook_attempts_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "notifications" drop constraint "notifications_alert_id_foreign";`);
    this.addSql(`alter table "alert_webhook_attempts" drop constraint "alert_webhook_attempts_alert_id_foreign";`);

    this.addSql(`drop table if exists "alert_settings" cascade;`);
    this.addSql(`drop table if exists "alerts" cascade;`);
    this.addSql(`drop table if exists "notifications" cascade;`);
    this.addSql(`drop table if exists "alert_webhook_attempts" cascade;`);
  }

}
