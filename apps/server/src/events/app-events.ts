import type { AlertEvent, BoardEvent, CommentEvent, FreeUsageEvent, JobView, Role } from '@atelier/contracts';

/** The pool's balance after a change, as API numbers. */
export interface BalanceChanged {
  organizationId: string;
  availableCredits: number;
  pendingCredits: number;
  postedCredits: number;
  version: string;
}

/** A job was placed, started, progressed or ended. */
export interface JobChanged {
  organizationId: string;
  job: JobView;
}

/** A member's budget use went up (a hold placed, a capture): alerts look at their thresholds. */
export interface MemberSpendChanged {
  organizationId: string;
  memberId: string;
  /**
   * The member had no budget limit in the transaction that moved this spend (a hold reads it under
   * the pool's lock): there is no threshold to evaluate. A limit set afterwards announces itself
   * (`member-budget.changed`) and is evaluated then.
   */
  unlimited?: true;
}

/** A member joined, changed role or (role null) was removed. */
export interface MembershipChanged {
  organizationId: string;
  userId: string;
  role: Role | null;
}

/** A manager changed a member's budget or allowed models. */
export interface MemberBudgetChanged {
  organizationId: string;
  userId: string;
}

/** An alert reached one user's notifications. */
export interface AlertRaised {
  organizationId: string;
  userId: string;
  alert: AlertEvent;
}

/**
 * Every event announced inside one server process, by name. Each carries its organization, so
 * no subscriber has to look it up again. Realtime forwards them to sockets, alerts and billing
 * react to balances and spend, collab to memberships.
 */
export interface AppEvents {
  'job.changed': JobChanged;
  'balance.changed': BalanceChanged;
  'member-spend.changed': MemberSpendChanged;
  'free-usage.changed': FreeUsageEvent;
  'membership.changed': MembershipChanged;
  'member-budget.changed': MemberBudgetChanged;
  'alert.raised': AlertRaised;
  /** A board created, changed (images, order, cover, review statuses) or deleted; carries the whole board. */
  'board.changed': BoardEvent;
  /** A comment on an image added, edited, resolved, reopened or deleted. */
  'comment.changed': CommentEvent;
  /** A client review link turned off: its guests' live connections end. */
  'review-link.revoked': { organizationId: string; boardId: string; linkId: string };
}

export type AppEventName = keyof AppEvents;
