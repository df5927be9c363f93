import pg from 'pg';
import { BALANCE_CHANNEL } from '../events/balance-notifications.repository.js';
import { inTransaction } from '../repositories/postgres-pool.repository.js';

/** An audit entry an operator's command writes (no actor: the operator is named in `after`). */
export interface OperatorAuditEntry {
  organizationId: string;
  action: string;
  targetType: string;
  before: unknown;
  after: unknown;
}

/**
 * The database access of the operator's `npm run credits` command (outside the Nest app): its own
 * small pool, one transaction per command.
 */
export class OperatorRepository {
  /** The ledger is built on it (`new Ledger(repository.pool)`), so a grant joins the command's transaction. */
  readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  }

  /** Whether a Postgres answers at this URL. */
  static async reachable(databaseUrl: string): Promise<boolean> {
    const probe = new pg.Client({ connectionString: databaseUrl });
    try {
      await probe.connect();
      await probe.end();
      return true;
    } catch {
      return false;
    }
  }

  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

  /** The org's name (undeleted orgs only). */
  async organizationName(client: pg.PoolClient, organizationId: string): Promise<string | undefined> {
    const organization = await client.query<{ name: string }>('select name from organizations where id = $1 and deleted_at is null', [organizationId]);
    return organization.rows[0]?.name;
  }

  /** The org's name and price list, locked until the transaction ends (undeleted orgs only). */
  async lockOrganizationCatalog(client: pg.PoolClient, organizationId: string): Promise<{ name: string; pricing_catalog: string } | undefined> {
    const before = await client.query<{ name: string; pricing_catalog: string }>(
      'select name, pricing_catalog from organizations where id = $1 and deleted_at is null for update',
      [organizationId],
    );
    return before.rows[0];
  }

  /** `custom`: the catalog's data; null for the built-in lists. */
  async setPricingCatalog(client: pg.PoolClient, organizationId: string, choice: string, custom: unknown): Promise<void> {
    await client.query('update organizations set pricing_catalog = $2, custom_catalog = $3::jsonb where id = $1', [
      organizationId,
      choice,
      custom === null ? null : JSON.stringify(custom),
    ]);
  }

  /** The target is the org itself. */
  async recordAudit(client: pg.PoolClient, entry: OperatorAuditEntry): Promise<void> {
    await client.query(
      `insert into audit_entries (organization_id, actor_id, action, target_type, target_id, before, after)
       values ($1, null, $3, $4, $2, $5::jsonb, $6::jsonb)`,
      [entry.organizationId, entry.organizationId, entry.action, entry.targetType, entry.before === null ? null : JSON.stringify(entry.before), JSON.stringify(entry.after)],
    );
  }

  /** Running servers hear it on commit and push the new balance to open pages. */
  async announceBalance(client: pg.PoolClient, organizationId: string): Promise<void> {
    await client.query(`select pg_notify($1, $2)`, [BALANCE_CHANNEL, organizationId]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
