import type { ErrorBody } from '@atelier/contracts';
import { formatDateTime } from '../usage/dates.js';

/** A failed API call, with what the server said and what the person can do about it. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly body: ErrorBody;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = body.code;
    this.field = body.field;
    this.body = body;
  }
}

/** What to show a person: what went wrong, and what to do next. */
export interface UserFacingError {
  code: string;
  /** What went wrong, in the server's words when it gave some. */
  message: string;
  /** The next step. */
  action: string;
  /** The form field at fault, as a dotted path, when there is one. */
  field: string | undefined;
}

const nextSteps: Record<string, string | ((body: ErrorBody) => string)> = {
  invalid_request: (body) => (body.field === undefined ? 'Check what you entered and try again.' : `Correct ${fieldLabel(body.field)} and try again.`),
  invalid_json: 'Reload the page and try again.',
  unauthenticated: 'Sign in again to continue.',
  invalid_credentials: 'Check your email and password, or reset your password.',
  csrf_failed: 'Reload the page and try again.',
  forbidden: 'Ask an owner or manager of this organization for access.',
  not_found: 'It may have been removed: go back and reload the list.',
  conflict: 'Reload to see the latest version, then try again.',
  email_taken: 'Sign in with this address instead, or reset its password.',
  rate_limited: (body) =>
    typeof body.retryAfterSeconds === 'number' ? `Wait ${String(body.retryAfterSeconds)} s and try again.` : 'Wait a minute and try again.',
  invitation_expired: 'Ask the person who invited you to send a new invitation.',
  invitation_revoked: 'Ask the person who invited you to send a new invitation.',
  invitation_used: 'Sign in to open the organization.',
  invitation_email_mismatch: 'Sign out, then sign in with the address the invitation was sent to.',
  token_invalid: 'This link no longer works: ask for a new one.',
  last_owner: 'Make another member an owner first.',
  insufficient_credits: 'Choose cheaper settings, or add credits to the pool (owners: Billing; everyone else: ask an owner).',
  budget_exceeded: (body) =>
    typeof body.resetsAt === 'string'
      ? `Wait until your budget resets (${formatDateTime(body.resetsAt)}), or ask a manager to raise it.`
      : 'Ask a manager to raise your budget, or choose cheaper settings.',
  project_budget_exceeded: "Ask a manager to raise the project's budget, or choose cheaper settings.",
  model_not_allowed: 'Choose another model, or ask a manager to allow this one for you.',
  payload_too_large: 'Make it smaller and try again.',
  internal_error: 'Try again in a moment; if it keeps failing, tell your administrator.',
  network_error: 'Check your connection (is the server running?) and try again.',
};

function fieldLabel(field: string): string {
  return `the ${field.split('.').join(' › ')} field`;
}

/** Turns anything thrown by an API call into a message that says what to do next. */
export function describeError(error: unknown): UserFacingError {
  if (error instanceof ApiFailure) {
    const step = nextSteps[error.code];
    const action = typeof step === 'function' ? step(error.body) : (step ?? defaultAction(error.status));
    const message = error.field !== undefined && error.code === 'invalid_request' ? fieldMessage(error.field, error.message) : error.message;
    return { code: error.code, message, action, field: error.field };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'unexpected', message: message === '' ? 'Something went wrong.' : message, action: 'Reload the page and try again.', field: undefined };
}

function defaultAction(status: number): string {
  return status >= 500 ? 'Try again in a moment.' : 'Check what you entered and try again.';
}

/** "Email: must be an email address": the field named once, as a person reads it, whether or not the server's message names it already. */
function fieldMessage(field: string, message: string): string {
  const own = message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  return `${capitalise(field.split('.').join(' › '))}: ${own}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Reads an error body from a response that was not OK, tolerating non-JSON answers (a proxy's page). */
export function errorBodyOf(status: number, body: unknown): ErrorBody {
  if (typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string') {
    const candidate = body as ErrorBody;
    return { ...candidate, message: typeof candidate.message === 'string' ? candidate.message : `The server answered ${String(status)}.` };
  }
  return {
    code: status >= 500 ? 'internal_error' : 'unexpected_response',
    message: `The server answered ${String(status)}.`,
  };
}
