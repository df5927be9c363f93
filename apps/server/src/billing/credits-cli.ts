// The operator's credits command (works with or without Stripe):
//   npm run credits -- grant --org <orgId> --amount <credits> --reason <text> [--expires <ISO date>] [--operation-id <uuid>]
//   npm run credits -- catalog --org <orgId> --catalog <default|list-a|list-b|extended|path/to/catalog.json>
// Grants credits to an org's pool and records who did it and why in the org's audit trail, in one
// transaction. Credits first pay off any deficit a refund left. Retrying with the same
// --operation-id grants once. `catalog` sets the price list the org's jobs are priced with (a file is
// checked by @atelier/pricing's parseCatalog first). Uses DATABASE_URL, or the embedded Postgres of `npm start`.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Ledger, ledgerLimits } from '@atelier/ledger';
import { parseCatalog } from '@atelier/pricing';
import { ConfigError, loadConfig } from '../config/config.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../database/embedded-postgres.js';
import { OperatorRepository } from './operator.repository.js';

const usage = `Usage: npm run credits -- grant --org <orgId> --amount <credits> --reason <text> [--expires <ISO date>] [--operation-id <uuid>]
       npm run credits -- catalog --org <orgId> --catalog <default|list-a|list-b|extended|path/to/catalog.json>`;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class UsageError extends Error {}

interface GrantCommand {
  kind: 'grant';
  organizationId: string;
  amountCredits: bigint;
  reason: string;
  expiresAt: Date | null;
  operationId: string;
}

interface CatalogCommand {
  kind: 'catalog';
  organizationId: string;
  choice: 'default' | 'list-a' | 'list-b' | 'extended' | 'custom';
  custom: unknown;
}

function parseCommand(argv: string[]): GrantCommand | CatalogCommand {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      amount: { type: 'string' },
      reason: { type: 'string' },
      expires: { type: 'string' },
      'operation-id': { type: 'string' },
      catalog: { type: 'string' },
    },
  });
  const command = positionals.length === 1 ? positionals[0] : undefined;
  if (command !== 'grant' && command !== 'catalog') throw new UsageError('the commands are `grant` and `catalog`');
  const organizationId = values.org ?? '';
  if (!uuidPattern.test(organizationId)) throw new UsageError('--org must be the organization id (a UUID)');
  if (command === 'catalog') return catalogCommand(organizationId.toLowerCase(), values.catalog ?? '');
  const amount = values.amount ?? '';
  if (!/^[1-9][0-9]*$/.test(amount) || BigInt(amount) > ledgerLimits.maxAmountCredits) {
    throw new UsageError(`--amount must be a whole number of credits from 1 to ${ledgerLimits.maxAmountCredits.toString()}`);
  }
  const reason = (values.reason ?? '').trim();
  if (reason === '' || reason.length > ledgerLimits.maxReasonLength) {
    throw new UsageError(`--reason is required (at most ${String(ledgerLimits.maxReasonLength)} characters): it goes into the audit trail`);
  }
  let expiresAt: Date | null = null;
  if (values.expires !== undefined) {
    expiresAt = new Date(values.expires);
    if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= Date.now()) throw new UsageError('--expires must be a date in the future (ISO 8601)');
  }
  const operationId = values['operation-id'] ?? crypto.randomUUID();
  if (!uuidPattern.test(operationId)) throw new UsageError('--operation-id must be a UUID');
  return { kind: 'grant', organizationId: organizationId.toLowerCase(), amountCredits: BigInt(amount), reason, expiresAt, operationId: operationId.toLowerCase() };
}

function catalogCommand(organizationId: string, value: string): CatalogCommand {
  if (value === 'default' || value === 'list-a' || value === 'list-b' || value === 'extended') return { kind: 'catalog', organizationId, choice: value, custom: null };
  if (!value.endsWith('.json')) throw new UsageError('--catalog must be default, list-a, list-b, extended or a catalog file (.json)');
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(value, 'utf8'));
  } catch (error) {
    throw new UsageError(`--catalog: cannot read ${value}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = parseCatalog(data);
  if (!parsed.ok) throw new UsageError(`--catalog: ${value} is not a valid catalog: ${parsed.issues.slice(0, 5).map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
  return { kind: 'catalog', organizationId, choice: 'custom', custom: data };
}

async function setCatalog(command: CatalogCommand, url: string): Promise<string> {
  const database = new OperatorRepository(url);
  try {
    return await database.transaction(async (client) => {
      const organization = await database.lockOrganizationCatalog(client, command.organizationId);
      if (organization === undefined) throw new UsageError(`no organization ${command.organizationId}`);
      await database.setPricingCatalog(client, command.organizationId, command.choice, command.custom);
      await database.recordAudit(client, {
        organizationId: command.organizationId,
        action: 'pricing.catalog',
        targetType: 'organization',
        before: { catalog: organization.pricing_catalog },
        after: { catalog: command.choice, operator: os.userInfo().username, via: 'npm run credits' },
      });
      return `${organization.name} (${command.organizationId}) is now priced with the ${command.choice} catalog.`;
    });
  } finally {
    await database.close();
  }
}

/** DATABASE_URL, or the embedded Postgres (running already under `npm start`, or started here). */
async function database(): Promise<{ url: string; embedded: EmbeddedPostgresHandle | undefined }> {
  const config = loadConfig();
  if (config.databaseUrl !== undefined) return { url: config.databaseUrl, embedded: undefined };
  const url = `postgres://postgres:postgres@127.0.0.1:${String(config.embeddedPostgresPort)}/postgres`;
  if (await OperatorRepository.reachable(url)) return { url, embedded: undefined };
  const embedded = await startEmbeddedPostgres({ dataDirectory: path.join(config.dataDirectory, 'postgres'), port: config.embeddedPostgresPort });
  return { url: embedded.url, embedded };
}

async function grant(command: GrantCommand, url: string): Promise<string> {
  const database = new OperatorRepository(url);
  const ledger = new Ledger(database.pool, { batchHolds: false });
  try {
    return await database.transaction(async (client) => {
      const name = await database.organizationName(client, command.organizationId);
      if (name === undefined) throw new UsageError(`no organization ${command.organizationId}`);
      const operator = os.userInfo().username;
      const result = await ledger.grant(
        {
          operationId: command.operationId,
          orgId: command.organizationId,
          source: 'adjustment',
          amountCredits: command.amountCredits,
          expiresAt: command.expiresAt,
          actorId: command.organizationId,
          reason: `operator grant by ${operator}: ${command.reason}`,
        },
        client,
      );
      if (!result.ok) throw new Error(`the ledger refused the grant: ${result.code} ${JSON.stringify(result.figures, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}`);
      if (!result.replayed) {
        await database.recordAudit(client, {
          organizationId: command.organizationId,
          action: 'credits.grant',
          targetType: 'pool',
          before: null,
          after: {
            amountCredits: Number(command.amountCredits),
            reason: command.reason,
            operator,
            via: 'npm run credits',
            operationId: command.operationId,
            expiresAt: command.expiresAt?.toISOString() ?? null,
            settledDeficitCredits: Number(result.settledDeficitCredits),
          },
        });
        await database.announceBalance(client, command.organizationId);
      }
      const settled = result.settledDeficitCredits > 0n ? ` (${result.settledDeficitCredits.toString()} of them paid off the deficit)` : '';
      return `${result.replayed ? 'Already granted' : 'Granted'} ${command.amountCredits.toString()} credits to ${name} (${command.organizationId})${settled}. Available now: ${result.balance.availableCredits.toString()}. Operation ${command.operationId}.`;
    });
  } finally {
    await ledger.close();
    await database.close();
  }
}

async function main(): Promise<number> {
  let command: GrantCommand | CatalogCommand;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    return 2;
  }
  let embedded: EmbeddedPostgresHandle | undefined;
  try {
    const found = await database();
    embedded = found.embedded;
    process.stdout.write(`${command.kind === 'grant' ? await grant(command, found.url) : await setCatalog(command, found.url)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    process.stderr.write(`credits ${command.kind} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await embedded?.stop();
  }
}

process.exitCode = await main();
