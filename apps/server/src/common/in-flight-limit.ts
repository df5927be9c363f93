import type { NextFunction, Request, Response } from 'express';

/** A job submit: `POST /api/orgs/:orgId/jobs`, or a bulk one (`/jobs/bulk`). */
const SUBMIT_PATH = /^\/api\/orgs\/[^/]+\/jobs(\/bulk)?\/?$/;
/** What a refused submit is told to wait: submits take tens of milliseconds, so a moment. */
export const IN_FLIGHT_RETRY_AFTER_SECONDS = 1;

/**
 * Bounds the job submits this node handles at once: each holds a database connection for its
 * transaction (price, hold, enqueue), so a burst beyond the pool only queues and times out. Past
 * `limit`, a submit is refused at once with 503 `service_unavailable` and `Retry-After`, before any
 * work is done (nothing is held or queued), so the client can retry or another node can take it.
 */
export function inFlightSubmitLimit(limit: number): (request: Request, response: Response, next: NextFunction) => void {
  let inFlight = 0;
  return (request, response, next) => {
    if (request.method !== 'POST' || !SUBMIT_PATH.test(request.path)) {
      next();
      return;
    }
    if (inFlight >= limit) {
      response.setHeader('Retry-After', String(IN_FLIGHT_RETRY_AFTER_SECONDS));
      response.status(503).json({
        code: 'service_unavailable',
        message: `This server is handling ${String(limit)} submits at once; nothing was queued. Retry in ${String(IN_FLIGHT_RETRY_AFTER_SECONDS)} s.`,
        retryAfterSeconds: IN_FLIGHT_RETRY_AFTER_SECONDS,
      });
      return;
    }
    inFlight += 1;
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      inFlight -= 1;
    };
    response.once('finish', release);
    response.once('close', release);
    next();
  };
}
