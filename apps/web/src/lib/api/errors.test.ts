import { describe, expect, test } from 'vitest';
import { ApiFailure, describeError, errorBodyOf } from './errors.js';

describe('errors people read', () => {
  test('a refusal says what went wrong and what to do next', () => {
    const budget = describeError(new ApiFailure(402, { code: 'budget_exceeded', message: 'Your budget has 5 credits left; this needs 50.', resetsAt: '2030-01-01T00:00:00.000Z' }));
    expect(budget.message).toBe('Your budget has 5 credits left; this needs 50.');
    expect(budget.action).toMatch(/^Wait until your budget resets \(.+\), or ask a manager to raise it\.$/);
    expect(describeError(new ApiFailure(403, { code: 'model_not_allowed', message: 'No.' })).action).toBe('Choose another model, or ask a manager to allow this one for you.');
    expect(describeError(new ApiFailure(429, { code: 'rate_limited', message: 'Slow down.', retryAfterSeconds: 30 })).action).toBe('Wait 30 s and try again.');
  });

  test('a bad field is named, so the form can mark it', () => {
    const described = describeError(new ApiFailure(400, { code: 'invalid_request', message: 'must be an email address', field: 'email' }));
    expect(described).toEqual({ code: 'invalid_request', message: 'Email: must be an email address', action: 'Correct the email field and try again.', field: 'email' });
  });

  test("the server's message names the field already: it is named once", () => {
    const described = describeError(new ApiFailure(400, { code: 'invalid_request', message: 'email: must be an email address', field: 'email' }));
    expect(described.message).toBe('Email: must be an email address');
    const nested = describeError(new ApiFailure(400, { code: 'invalid_request', message: 'request.width: must be at most 2048', field: 'request.width' }));
    expect(nested.message).toBe('Request › width: must be at most 2048');
    expect(nested.action).toBe('Correct the request › width field and try again.');
  });

  test('every code the server sends has a next step', () => {
    for (const code of ['insufficient_credits', 'budget_exceeded', 'project_budget_exceeded', 'forbidden', 'not_found', 'conflict', 'rate_limited', 'internal_error']) {
      expect(describeError(new ApiFailure(400, { code, message: 'x' })).action).not.toBe('');
    }
    expect(describeError(new ApiFailure(402, { code: 'insufficient_credits', message: 'x' })).action).toMatch(/Billing/);
  });

  test('answers that are not our JSON, and plain exceptions, still read as sentences', () => {
    expect(errorBodyOf(502, '<html>Bad gateway</html>')).toEqual({ code: 'internal_error', message: 'The server answered 502.' });
    expect(describeError(new ApiFailure(502, errorBodyOf(502, undefined))).action).toBe('Try again in a moment; if it keeps failing, tell your administrator.');
    expect(describeError(new ApiFailure(0, { code: 'network_error', message: 'Cannot reach the server.' })).action).toBe(
      'Check your connection (is the server running?) and try again.',
    );
    expect(describeError(new Error('boom'))).toMatchObject({ message: 'boom', action: 'Reload the page and try again.' });
  });
});
