import { Migration } from '@mikro-orm/migrations';

/**
 * A cancel of a running job records how many images were stored when it was accepted (those are
 * kept and charged; any finished later is discarded), and a runner records when it began to
 * finish a job (a cancel after that is too late): the two are decided on the one row.
 */
export class Migration20261205010000_cancel_kept_images extends Migration {

  override name = 'Migration20261205010000_cancel_kept_images';

  override up(): void | Promise<void> {
    this.addSql(`alter table "jobs" add column "cancel_kept_images" int null, add column "finishing_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "jobs" drop column "cancel_kept_images", drop column "finishing_at";`);
  }

}
