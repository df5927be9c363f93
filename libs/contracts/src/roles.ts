export const roles = ['owner', 'manager', 'member', 'viewer'] as const;
export type Role = (typeof roles)[number];

/**
 * The one permission table: every check in the server reads it, and the docs print it.
 * owner: billing, roles, delete; manager: invite, set budgets, see all usage;
 * member: generate within budget, sees the pool and own usage; viewer: read-only.
 */
export const permissions = {
  'org.read': ['owner', 'manager', 'member', 'viewer'],
  'org.update': ['owner', 'manager'],
  'org.delete': ['owner'],
  'members.read': ['owner', 'manager'],
  'members.role': ['owner'],
  'members.remove': ['owner', 'manager'],
  'budgets.read': ['owner', 'manager'],
  'budgets.write': ['owner', 'manager'],
  'invitations.manage': ['owner', 'manager'],
  'projects.read': ['owner', 'manager', 'member', 'viewer'],
  'projects.write': ['owner', 'manager'],
  'apiKeys.manage': ['owner', 'manager', 'member'],
  'pool.read': ['owner', 'manager', 'member', 'viewer'],
  'audit.read': ['owner', 'manager'],
  'generate': ['owner', 'manager', 'member'],
  'billing.read': ['owner', 'manager'],
  'billing.manage': ['owner'],
  'alerts.manage': ['owner', 'manager'],
  'boards.read': ['owner', 'manager', 'member', 'viewer'],
  'boards.write': ['owner', 'manager', 'member'],
  'comments.write': ['owner', 'manager', 'member', 'viewer'],
  'reviews.approve': ['owner', 'manager', 'member'],
  'boards.share': ['owner', 'manager'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function can(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}
