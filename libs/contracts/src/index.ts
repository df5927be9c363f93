export type { ErrorBody, ErrorCode } from './errors.js';
export { can, permissions, roles, type Permission, type Role } from './roles.js';
export * from './accounts.js';
export * from './views.js';
export * from './jobs.js';
export * from './events.js';
export * from './collab.js';
export * from './usage.js';
export * from './alerts.js';
