import { Migration } from '@mikro-orm/migrations';

export class Migration20261121000000_initial extends Migration {
  override up(): void {
    this.addSql(`create table "system_metadata" ("key" varchar(64) not null, "value" jsonb not null, "updated_at" timestamptz not null default now(), primary key ("key"));`);
  }

  override down(): void {
    this.addSql(`drop table if exists "system_metadata" cascade;`);
  }
}
