import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Inject, Logger, Optional } from '@nestjs/common';
import type { Response } from 'express';
import { ServiceStatus } from '../health/service-status.js';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-errors.js';

/** The body of every error answer: a stable machine code, a human message, and the figures behind it. */
export interface ErrorBody {
  code: string;
  message: string;
  field?: string;
  [detail: string]: unknown;
}

/** An expected failure with a stable code; services throw it, the filter renders it. */
export class ApiError extends HttpException {
  constructor(status: HttpStatus, body: ErrorBody) {
    super(body, status);
  }
}

const codeForStatus: Partial<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/** The answer while the database cannot be reached: the client should retry, nothing was done. */
export function serviceUnavailableBody(retryAfterSeconds: number = DATABASE_RETRY_AFTER_SECONDS): ErrorBody {
  return {
    code: 'service_unavailable',
    message: `The service is temporarily unavailable (its database cannot be reached). Nothing was changed; retry in ${String(retryAfterSeconds)} s.`,
    retryAfterSeconds,
  };
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  constructor(@Optional() @Inject(ServiceStatus) private readonly status?: ServiceStatus) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (!(exception instanceof HttpException) && isDatabaseUnavailable(exception)) {
      // Not a bug: the database refuses connections or restarts. Retryable, and reported once.
      this.status?.databaseDown(exception);
      if (!response.headersSent) {
        response.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
        response.status(HttpStatus.SERVICE_UNAVAILABLE).json(serviceUnavailableBody());
      }
      return;
    }
    const [status, body] = this.render(exception);
    if (status >= 500) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (!response.headersSent) {
      if (typeof body.retryAfterSeconds === 'number') response.setHeader('Retry-After', String(body.retryAfterSeconds));
      response.status(status).json(body);
    }
  }

  private render(exception: unknown): [number, ErrorBody] {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      if (typeof raw === 'object' && 'code' in raw && typeof raw.code === 'string') {
        return [status, raw as ErrorBody];
      }
      const message = typeof raw === 'string' ? raw : exception.message;
      if (status === 400 && (exception.cause instanceof SyntaxError || /JSON/.test(message))) {
        return [400, { code: 'invalid_json', message: 'The request body is not valid JSON (send an object).', field: 'body' }];
      }
      return [status, { code: codeForStatus[status] ?? (status >= 500 ? 'internal_error' : 'error'), message }];
    }
    // body-parser errors carry a status and a type (e.g. a malformed JSON body).
    if (isBodyParserError(exception)) {
      if (exception.type === 'entity.parse.failed') {
        return [400, { code: 'invalid_json', message: 'The request body is not valid JSON', field: 'body' }];
      }
      if (exception.type === 'entity.too.large') {
        return [413, { code: 'payload_too_large', message: 'The request body is too large', field: 'body' }];
      }
      return [exception.status, { code: codeForStatus[exception.status] ?? 'bad_request', message: exception.message }];
    }
    return [HttpStatus.INTERNAL_SERVER_ERROR, { code: 'internal_error', message: 'Something went wrong on our side' }];
  }
}

function isBodyParserError(error: unknown): error is { status: number; type: string; message: string } {
  return (
    error instanceof Error &&
    'status' in error &&
    typeof error.status === 'number' &&
    error.status >= 400 &&
    error.status < 500 &&
    'type' in error &&
    typeof error.type === 'string'
  );
}
