export { Ledger, type LedgerOptions } from './ledger.js';
export { migrateLedger, ledgerMigrations, type LedgerMigration } from './migrations.js';
export { ledgerLimits, type LedgerLimits } from './limits.js';
export { LedgerAssertionError } from './assert.js';
export { LedgerOverloadedError } from './batcher.js';
export { HoldCompanionError, type CompanionWriter, type CompanionWrites, type HoldBatcher, type HoldWithBudget } from './hold-companions.js';
export { LedgerRetryLimitError, type TransactionHooks } from './database.js';
export { checkInvariants, type InvariantReport } from './invariants.js';
export * from './types.js';
