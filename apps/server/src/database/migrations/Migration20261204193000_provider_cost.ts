import { Migration } from '@mikro-orm/migrations';

export class Migration20261204193000_provider_cost extends Migration {

  override name = 'Migration20261204193000_provider_cost';

  override up(): void | Promise<void> {
    this.addSql(`alter table "assets" add column "provider_cost" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "assets" drop column "provider_cost";`);
  }

}
