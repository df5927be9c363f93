import { Migration } from '@mikro-orm/migrations';

/** Pending invitations keep their link's token, so those who may invite can copy the link (no SMTP needed). */
export class Migration20261204222000_invitation_link extends Migration {

  override name = 'Migration20261204222000_invitation_link';

  override up(): void | Promise<void> {
    this.addSql(`alter table "invitations" add column "link_token" varchar(64) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "invitations" drop column "link_token";`);
  }

}
