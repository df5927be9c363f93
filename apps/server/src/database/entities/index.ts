import { ApiKey, AuditEntry, Invitation, Membership, Organization, Project } from './organization.entity.js';
import { SystemMetadata } from './system-metadata.entity.js';
import { WorkerHeartbeat } from './worker-heartbeat.entity.js';
import { Asset, FreeAllowanceUsage, Job } from './job.entity.js';
import { PasswordResetToken, Session, User } from './user.entity.js';
import { CollabDocument, CollabTicket, Workspace, WorkspaceSnapshot } from './workspace.entity.js';
import { Alert, AlertSettings, Notification, WebhookAttempt } from './alert.entity.js';
import { Board, BoardItem, Comment, ReviewGuest, ReviewLink } from './board.entity.js';
import { BillingAccount, BillingEvent, BillingPayment, BillingSubscription } from './billing.entity.js';

export { Asset, FreeAllowanceUsage, Job };
export { CollabDocument, CollabTicket, Workspace, WorkspaceSnapshot };
export { Alert, AlertSettings, Notification, WebhookAttempt };
export { BillingAccount, BillingEvent, BillingPayment, BillingSubscription };
export { Board, BoardItem, Comment, ReviewGuest, ReviewLink };
export { ApiKey, AuditEntry, Invitation, Membership, Organization, PasswordResetToken, Project, Session, SystemMetadata, User, WorkerHeartbeat };
export const entities = [
  SystemMetadata,
  WorkerHeartbeat,
  User,
  Session,
  PasswordResetToken,
  Organization,
  Membership,
  Invitation,
  Project,
  ApiKey,
  AuditEntry,
  Job,
  Asset,
  FreeAllowanceUsage,
  Workspace,
  CollabDocument,
  CollabTicket,
  WorkspaceSnapshot,
  AlertSettings,
  Alert,
  Notification,
  WebhookAttempt,
  BillingAccount,
  BillingSubscription,
  BillingPayment,
  BillingEvent,
  Board,
  BoardItem,
  ReviewLink,
  ReviewGuest,
  Comment,
];
