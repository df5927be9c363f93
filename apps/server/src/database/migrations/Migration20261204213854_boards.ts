import { Migration } from '@mikro-orm/migrations';

export class Migration20261204213854_boards extends Migration {

  override name = 'Migration20261204213854_boards';

  override up(): void | Promise<void> {
    this.addSql(`create table "boards" ("id" uuid not null, "organization_id" uuid not null, "project_id" uuid null, "name" varchar(100) not null, "description" text not null default '', "cover_asset_id" uuid null, "created_by_id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "boards_organization_id_updated_at_index" on "boards" ("organization_id", "updated_at");`);

    this.addSql(`create table "review_links" ("id" uuid not null, "organization_id" uuid not null, "board_id" uuid not null, "token_hash" varchar(64) not null, "label" varchar(100) not null default '', "mode" varchar(16) not null, "allow_prompts" boolean not null default false, "password_hash" varchar(255) null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "created_by_id" uuid not null, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "review_links_board_id_index" on "review_links" ("board_id");`);
    this.addSql(`alter table "review_links" add constraint "review_links_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "review_guests" ("id" uuid not null, "link_id" uuid not null, "name" varchar(60) not null, "token_hash" varchar(64) not null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "review_guests_link_id_index" on "review_guests" ("link_id");`);
    this.addSql(`alter table "review_guests" add constraint "review_guests_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "comments" ("id" uuid not null, "organization_id" uuid not null, "asset_id" uuid not null, "board_id" uuid null, "parent_id" uuid null, "author_user_id" uuid null, "author_guest_id" uuid null, "body" text not null, "pin" jsonb null, "mentions" text[] not null default '{}', "resolved_at" timestamptz null, "resolved_by_user_id" uuid null, "resolved_by_guest_id" uuid null, "edited_at" timestamptz null, "deleted_at" timestamptz null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "comments_asset_id_created_at_index" on "comments" ("asset_id", "created_at");`);

    this.addSql(`create table "board_items" ("board_id" uuid not null, "asset_id" uuid not null, "position" int not null, "added_by_id" uuid null, "added_at" timestamptz not null default now(), "review_status" varchar(24) not null default 'pending', "reviewed_by_user_id" uuid null, "reviewed_by_guest_id" uuid null, "reviewed_at" timestamptz null, primary key ("board_id", "asset_id"));`);
    this.addSql(`create index "board_items_asset_id_index" on "board_items" ("asset_id");`);

    this.addSql(`alter table "boards" add constraint "boards_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "boards" add constraint "boards_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete set null;`);
    this.addSql(`alter table "boards" add constraint "boards_cover_asset_id_foreign" foreign key ("cover_asset_id") references "assets" ("id") on delete set null;`);
    this.addSql(`alter table "boards" add constraint "boards_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "review_links" add constraint "review_links_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "review_links" add constraint "review_links_board_id_foreign" foreign key ("board_id") references "boards" ("id") on delete cascade;`);
    this.addSql(`alter table "review_links" add constraint "review_links_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "review_guests" add constraint "review_guests_link_id_foreign" foreign key ("link_id") references "review_links" ("id") on delete cascade;`);

    this.addSql(`alter table "comments" add constraint "comments_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "comments" add constraint "comments_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on delete cascade;`);
    this.addSql(`alter table "comments" add constraint "comments_board_id_foreign" foreign key ("board_id") references "boards" ("id") on delete set null;`);
    this.addSql(`alter table "comments" add constraint "comments_parent_id_foreign" foreign key ("parent_id") references "comments" ("id") on delete cascade;`);
    this.addSql(`alter table "comments" add constraint "comments_author_user_id_foreign" foreign key ("author_user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "comments" add constraint "comments_author_guest_id_foreign" foreign key ("author_guest_id") references "review_guests" ("id") on delete cascade;`);
    this.addSql(`alter table "comments" add constraint "comments_resolved_by_user_id_foreign" foreign key ("resolved_by_user_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "comments" add constraint "comments_resolved_by_guest_id_foreign" foreign key ("resolved_by_guest_id") references "review_guests" ("id") on delete set null;`);

    this.addSql(`alter table "board_items" add constraint "board_items_board_id_foreign" foreign key ("board_id") references "boards" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "board_items" add constraint "board_items_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "board_items" add constraint "board_items_added_by_id_foreign" foreign key ("added_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "board_items" add constraint "board_items_reviewed_by_user_id_foreign" foreign key ("reviewed_by_user_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "board_items" add constraint "board_items_reviewed_by_guest_id_foreign" foreign key ("reviewed_by_guest_id") references "review_guests" ("id") on delete set null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "review_links" drop constraint "review_links_board_id_foreign";`);
    this.addSql(`alter table "comments" drop constraint "comments_board_id_foreign";`);
    this.addSql(`alter table "board_items" drop constraint "board_items_board_id_foreign";`);
    this.addSql(`alter table "review_guests" drop constraint "review_guests_link_id_foreign";`);
    this.addSql(`alter table "comments" drop constraint "comments_author_guest_id_foreign";`);
    this.addSql(`alter table "comments" drop constraint "comments_resolved_by_guest_id_foreign";`);
    this.addSql(`alter table "board_items" drop constraint "board_items_reviewed_by_guest_id_foreign";`);
    this.addSql(`alter table "comments" drop constraint "comments_parent_id_foreign";`);

    this.addSql(`drop table if exists "boards" cascade;`);
    this.addSql(`drop table if exists "review_links" cascade;`);
    this.addSql(`drop table if exists "review_guests" cascade;`);
    this.addSql(`drop table if exists "comments" cascade;`);
    this.addSql(`drop table if exists "board_items" cascade;`);
  }

}
