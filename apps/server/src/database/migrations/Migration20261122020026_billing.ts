import { Migration } from '@mikro-orm/migrations';

export class Migration20261122020026_billing extends Migration {

  override name = 'Migration20261122020026_billing';

  override up(): void | Promise<void> {
    this.addSql(`create table "billing_events" ("id" varchar(255) not null, "type" varchar(128) not null, "status" varchar(16) not null, "attempts" int not null default 0, "claimed_until" timestamptz null, "error" text null, "stripe_created_at" timestamptz not null, "received_at" timestamptz not null default now(), "processed_at" timestamptz null, primary key ("id"));`);

    this.addSql(`create table "billing_subscriptions" ("organization_id" uuid not null, "stripe_subscription_id" varchar(255) not null, "tier" varchar(32) not null, "status" varchar(32) not null, "cancel_at_period_end" boolean not null default false, "current_period_start" timestamptz null, "current_period_end" timestamptz null, "synced_at" timestamptz not null, primary key ("organization_id"));`);
    this.addSql(`alter table "billing_subscriptions" add constraint "billing_subscriptions_stripe_subscription_id_unique" unique ("stripe_subscription_id");`);

    this.addSql(`create table "billing_payments" ("id" uuid not null, "organization_id" uuid not null, "kind" varchar(16) not null, "status" varchar(24) not null, "item" varchar(32) not null, "credits" bigint not null, "amount_cents" bigint not null, "currency" varchar(8) not null, "stripe_checkout_session_id" varchar(255) null, "stripe_invoice_id" varchar(255) null, "stripe_payment_intent_id" varchar(255) null, "ledger_grant_id" bigint null, "period_end" timestamptz null, "refunded_cents" bigint not null default '0', "disputed_cents" bigint not null default '0', "clawed_back_credits" bigint not null default '0', "failure_message" text null, "created_at" timestamptz not null default now(), "paid_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "billing_payments" add constraint "billing_payments_stripe_checkout_session_id_unique" unique ("stripe_checkout_session_id");`);
    this.addSql(`alter table "billing_payments" add constraint "billing_payments_stripe_invoice_id_unique" unique ("stripe_invoice_id");`);
    this.addSql(`alter table "billing_payments" add constraint "billing_payments_stripe_payment_intent_id_unique" unique ("stripe_payment_intent_id");`);
    this.addSql(`create index "billing_payments_organization_id_created_at_index" on "billing_payments" ("organization_id", "created_at");`);

    this.addSql(`create table "billing_accounts" ("organization_id" uuid not null, "stripe_customer_id" varchar(255) null, "default_payment_method_id" varchar(255) null, "auto_top_up_enabled" boolean not null default false, "auto_top_up_threshold_credits" bigint null, "auto_top_up_package_id" varchar(32) null, "auto_top_up_monthly_ceiling_cents" bigint null, "auto_top_up_failures" int not null default 0, "auto_top_up_disabled_reason" text null, "auto_top_up_in_flight_id" uuid null, "auto_top_up_in_flight_since" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("organization_id"));`);
    this.addSql(`alter table "billing_accounts" add constraint "billing_accounts_stripe_customer_id_unique" unique ("stripe_customer_id");`);

    this.addSql(`alter table "billing_subscriptions" add constraint "billing_subscriptions_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "billing_payments" add constraint "billing_payments_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);

    this.addSql(`alter table "billing_accounts" add constraint "billing_accounts_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "billing_events" cascade;`);
    this.addSql(`drop table if exists "billing_subscriptions" cascade;`);
    this.addSql(`drop table if exists "billing_payments" cascade;`);
    this.addSql(`drop table if exists "billing_accounts" cascade;`);
  }

}
