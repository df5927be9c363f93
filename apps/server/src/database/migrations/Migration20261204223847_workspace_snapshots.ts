import { Migration } from '@mikro-orm/migrations';

export class Migration20261204223847_workspace_snapshots extends Migration {

  override name = 'Migration20261204223847_workspace_snapshots';

  override up(): void | Promise<void> {
    this.addSql(`create table "workspace_snapshots" ("id" uuid not null, "organization_id" uuid not null, "workspace_id" uuid not null, "name" varchar(100) not null, "document" jsonb not null, "created_by_id" uuid not null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "workspace_snapshots_workspace_id_created_at_index" on "workspace_snapshots" ("workspace_id", "created_at");`);

    this.addSql(`alter table "workspace_snapshots" add constraint "workspace_snapshots_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "workspace_snapshots" add constraint "workspace_snapshots_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`);
    this.addSql(`alter table "workspace_snapshots" add constraint "workspace_snapshots_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "workspace_snapshots" cascade;`);
  }

}
