import { assert } from './assert.js';
import type { GrantAllocation } from './types.js';

/** A grant's credits that are neither spent nor held, in the spending order of its pool. */
export interface FreeGrant {
  grantId: bigint;
  freeCredits: bigint;
}

/** Takes `amountCredits` from the grants in spending order, updating their free credits. */
export function allocate(grants: FreeGrant[], amountCredits: bigint): GrantAllocation[] {
  const allocations: GrantAllocation[] = [];
  let missing = amountCredits;
  for (const grant of grants) {
    if (missing === 0n) {
      break;
    }
    if (grant.freeCredits === 0n) {
      continue;
    }
    const taken = grant.freeCredits < missing ? grant.freeCredits : missing;
    grant.freeCredits -= taken;
    missing -= taken;
    allocations.push({ grantId: grant.grantId, amountCredits: taken });
  }
  assert(missing === 0n, 'the grants read cover every accepted hold');
  return allocations;
}
