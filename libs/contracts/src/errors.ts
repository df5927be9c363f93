/** Stable machine codes of error answers. Clients switch on these; messages are for people. */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'csrf_failed'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'email_taken'
  | 'rate_limited'
  | 'invitation_expired'
  | 'invitation_revoked'
  | 'invitation_used'
  | 'invitation_email_mismatch'
  | 'token_invalid'
  | 'last_owner'
  | 'insufficient_credits'
  | 'budget_exceeded'
  | 'project_budget_exceeded'
  | 'model_not_allowed'
  | 'model_unavailable'
  | 'payload_too_large'
  | 'billing_not_configured'
  | 'no_subscription'
  | 'already_on_tier'
  | 'payment_method_required'
  | 'payment_provider_error'
  | 'deficit_outstanding'
  | 'invalid_signature'
  | 'event_in_progress'
  | 'internal_error';

export interface ErrorBody {
  code: ErrorCode | (string & {});
  message: string;
  /** The request field at fault, as a dotted path, when one is. */
  field?: string;
  [detail: string]: unknown;
}
