import { Migration } from '@mikro-orm/migrations';

export class Migration20261122004103_workspaces extends Migration {

  override name = 'Migration20261122004103_workspaces';

  override up(): void | Promise<void> {
    this.addSql(`create table "workspaces" ("id" uuid not null, "organization_id" uuid not null, "project_id" uuid not null, "name" varchar(100) not null, "created_by_id" uuid not null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "workspaces_organization_id_project_id_index" on "workspaces" ("organization_id", "project_id");`);

    this.addSql(`create table "collab_tickets" ("token_hash" varchar(64) not null, "organization_id" uuid not null, "workspace_id" uuid not null, "user_id" uuid not null, "can_write" boolean not null, "expires_at" timestamptz not null, primary key ("token_hash"));`);
    this.addSql(`create index "collab_tickets_workspace_id_index" on "collab_tickets" ("workspace_id");`);
    this.addSql(`create index "collab_tickets_expires_at_index" on "collab_tickets" ("expires_at");`);

    this.addSql(`create table "collab_documents" ("workspace_id" uuid not null, "state" bytea not null, "bytes" int not null, "updated_at" timestamptz not null default now(), primary key ("workspace_id"));`);

    this.addSql(`alter table "workspaces" add constraint "workspaces_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "workspaces" add constraint "workspaces_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "workspaces" add constraint "workspaces_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "collab_tickets" add constraint "collab_tickets_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "collab_tickets" add constraint "collab_tickets_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`);
    this.addSql(`alter table "collab_tickets" add constraint "collab_tickets_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "collab_documents" add constraint "collab_documents_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "collab_tickets" drop constraint "collab_tickets_workspace_id_foreign";`);
    this.addSql(`alter table "collab_documents" drop constraint "collab_documents_workspace_id_foreign";`);

    this.addSql(`drop table if exists "workspaces" cascade;`);
    this.addSql(`drop table if exists "collab_tickets" cascade;`);
    this.addSql(`drop table if exists "collab_documents" cascade;`);
  }

}
