import type { ReviewStatus } from '@atelier/contracts';

/** The words and badge of each review status, the same on the board, the asset page and the guest page. */
export const statusLabels: Record<ReviewStatus, string> = {
  pending: 'Pending',
  changes_requested: 'Changes requested',
  approved: 'Approved',
};

export const statusBadges: Record<ReviewStatus, string> = {
  pending: 'badge',
  changes_requested: 'badge badge-warning',
  approved: 'badge badge-positive',
};

/** "3 of 8 approved". */
export function progressText(approved: number, total: number): string {
  return total === 0 ? 'No images yet' : `${String(approved)} of ${String(total)} approved`;
}

/** Moves the item at `from` to `to` in a copy of `list` (a hand reorder). */
export function moved<T>(list: readonly T[], from: number, to: number): T[] {
  const copy = [...list];
  if (from < 0 || from >= copy.length || to < 0 || to >= copy.length) return copy;
  const [item] = copy.splice(from, 1);
  if (item !== undefined) copy.splice(to, 0, item);
  return copy;
}
