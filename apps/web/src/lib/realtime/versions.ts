/**
 * Balance versions are decimal bigint strings that only grow (libs/contracts events.ts). Same
 * rule as contracts' compareVersions, kept here so the browser bundle does not pull in the
 * contracts' zod schemas for one function.
 */
export function isOlderVersion(candidate: string, held: string | undefined): boolean {
  return held !== undefined && BigInt(candidate) < BigInt(held);
}
