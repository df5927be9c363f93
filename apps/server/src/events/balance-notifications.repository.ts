import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { DATABASE_URL } from '../repositories/postgres-pool.repository.js';
import { EventBus } from './event-bus.js';

/** Postgres channel on which other processes (the operator CLI) announce an org's balance changed. */
export const BALANCE_CHANNEL = 'atelier_balance';
const RECONNECT_DELAY_MS = 2_000;

/**
 * Balance changes made outside the server (`npm run credits -- grant`) reach open pages: the
 * writer NOTIFYs BALANCE_CHANNEL with the org id in its transaction; every server LISTENs on one
 * connection of its own and announces the pool's new balance like any other change.
 */
@Injectable()
export class BalanceNotificationsRepository implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('BalanceNotifications');
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(EventBus) private readonly events: EventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => {
      if (message.channel !== BALANCE_CHANNEL || message.payload === undefined) return;
      void this.announce(message.payload);
    });
    client.on('error', (error) => {
      this.logger.warn(`listener connection lost (${error.message}); reconnecting`);
      this.reconnect(client);
    });
    try {
      await client.connect();
      await client.query(`listen ${BALANCE_CHANNEL}`);
      this.client = client;
    } catch (error) {
      this.logger.warn(`cannot listen for balance changes yet: ${String(error)}`);
      this.reconnect(client);
    }
  }

  private reconnect(client: pg.Client): void {
    void client.end().catch(() => undefined);
    if (this.client === client) this.client = undefined;
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      void this.listen();
    }, RECONNECT_DELAY_MS);
  }

  private async announce(organizationId: string): Promise<void> {
    try {
      const balance = await this.ledger.balance(organizationId);
      if (balance !== undefined) this.events.publish('balance.changed', balance);
    } catch (error) {
      this.logger.warn(`could not read ${organizationId}'s balance after a notification: ${String(error)}`);
    }
  }
}
