import { Controller, Get, HttpStatus, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { z } from 'zod';
import {
  can,
  providerCostQuery,
  providerCostReport,
  spendQuery,
  spendReport,
  transactionExportQuery,
  transactionPage,
  transactionQuery,
  usageStatementQuery,
  uuid,
  type ProviderCostReport,
  type SpendReport,
  type TransactionPage,
} from '@atelier/contracts';
import { RateLimit } from '../auth/rate-limit.guard.js';
import { CurrentAccess, RequirePermission, type OrganizationAccess } from '../auth/principal.js';
import { ApiError } from '../common/error.filter.js';
import type { Writable } from 'node:stream';
import { UsageStatementService } from './usage-statement.service.js';
import { UsageService } from './usage.service.js';
import { ProviderCostsService } from './provider-costs.service.js';

const orgParam = { schema: uuid };

@ApiTags('usage')
@Controller('orgs/:orgId/usage')
export class UsageController {
  constructor(
    @Inject(UsageService) private readonly usage: UsageService,
    @Inject(UsageStatementService) private readonly statement: UsageStatementService,
    @Inject(ProviderCostsService) private readonly providerCosts: ProviderCostsService,
  ) {}

  @Get('spend')
  @RateLimit('expensive')
  @RequirePermission('org.read')
  @ApiOkResponse({
    standardSchema: spendReport,
    description: "Captured credits per group and bucket over [from, to). `scope=org` (the default) needs `members.read`; `scope=me` is the caller's own spend, for any member",
  })
  spend(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Query({ schema: spendQuery }) query: z.infer<typeof spendQuery>,
  ): Promise<SpendReport> {
    if (query.scope === 'org' && !can(access.role, 'members.read')) {
      throw new ApiError(HttpStatus.FORBIDDEN, { code: 'forbidden', message: "Only managers and owners see the organization's spend; ask for scope=me." });
    }
    return this.usage.spend(orgId, access.userId, query);
  }

  @Get('provider-costs')
  @RateLimit('expensive')
  @RequirePermission('billing.manage')
  @ApiOkResponse({
    standardSchema: providerCostReport,
    description: 'Per model over [from, to): the credits charged and what the providers reported charging for its images (US dollars), with each provider\'s share. Owners only',
  })
  providerCostReport(@Param('orgId', orgParam) orgId: string, @Query({ schema: providerCostQuery }) query: z.infer<typeof providerCostQuery>): Promise<ProviderCostReport> {
    return this.providerCosts.report(orgId, query);
  }

  @Get('transactions')
  @RequirePermission('audit.read')
  @ApiOkResponse({ standardSchema: transactionPage, description: "The ledger's transfers, newest first; pass `nextCursor` back as `cursor`" })
  transactions(@Param('orgId', orgParam) orgId: string, @Query({ schema: transactionQuery }) query: z.infer<typeof transactionQuery>): Promise<TransactionPage> {
    return this.usage.transactions(orgId, query);
  }

  @Get('transactions.csv')
  @RateLimit('expensive')
  @RequirePermission('audit.read')
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'Every matching transfer as CSV (RFC 4180, header row), newest first, streamed' })
  async transactionsCsv(
    @Param('orgId', orgParam) orgId: string,
    @Query({ schema: transactionExportQuery }) query: z.infer<typeof transactionExportQuery>,
    @Res() response: Response,
  ): Promise<void> {
    await streamCsv(response, `atelier-transactions-${orgId}.csv`, (out) => this.usage.exportCsv(orgId, query, out));
  }

  @Get('statement.csv')
  @RateLimit('expensive')
  @RequirePermission('audit.read')
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description:
      "The human CSV (for people; the raw ledger export is transactions.csv): every movement of the pool's balance, oldest first, with the date in the pool's time zone, member and project names, model names, the operation, signed credits, the balance after, and links to the job and its images. Streamed",
  })
  async statementCsv(
    @Param('orgId', orgParam) orgId: string,
    @Query({ schema: usageStatementQuery }) query: z.infer<typeof usageStatementQuery>,
    @Res() response: Response,
  ): Promise<void> {
    await streamCsv(response, `atelier-usage-${new Date().toISOString().slice(0, 10)}.csv`, (out) => this.statement.exportCsv(orgId, query, out));
  }
}

/** Streams a CSV download; an error before the first byte is the usual JSON error answer. */
async function streamCsv(response: Response, fileName: string, write: (out: Writable) => Promise<number>): Promise<void> {
  response.status(HttpStatus.OK);
  response.setHeader('Content-Type', 'text/csv; charset=utf-8');
  response.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
  response.setHeader('Cache-Control', 'no-store');
  try {
    await write(response);
    response.end();
  } catch (error) {
    if (!response.headersSent) throw error; // nothing sent yet (a bad filter): the usual error answer
    // Headers and rows are out: the only honest signal left is a broken download.
    response.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}
