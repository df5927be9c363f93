import { Migration } from '@mikro-orm/migrations';

export class Migration20261204184808_pricing_catalog extends Migration {

  override name = 'Migration20261204184808_pricing_catalog';

  override up(): void | Promise<void> {
    this.addSql(`alter table "organizations" add "pricing_catalog" varchar(16) not null default 'default', add "custom_catalog" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "organizations" drop column "pricing_catalog", drop column "custom_catalog";`);
  }

}
