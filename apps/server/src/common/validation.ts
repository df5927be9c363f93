import { HttpStatus, StandardSchemaValidationPipe } from '@nestjs/common';
import { ApiError } from './error.filter.js';

interface Issue {
  message: string;
  path?: readonly (PropertyKey | { key: PropertyKey })[] | undefined;
  /** zod's unrecognized_keys issue names the unknown keys here. */
  keys?: readonly string[];
}

/** `a.b.0.c` from a Standard Schema issue path. */
export function fieldOf(issue: Issue): string {
  const keys = (issue.path ?? []).map((segment) => (typeof segment === 'object' ? segment.key : segment));
  const unknownKey = issue.keys?.[0];
  if (unknownKey !== undefined) keys.push(unknownKey);
  return keys.length === 0 ? 'body' : keys.map(String).join('.');
}

/**
 * Validates every `@Body/@Query/@Param({ schema })` with its zod schema; a failure is a 400 that
 * names the first field at fault and lists every issue.
 */
export function validationPipe(): StandardSchemaValidationPipe {
  return new StandardSchemaValidationPipe({
    exceptionFactory: (issues: readonly Issue[]) => {
      const first = issues[0];
      const field = first === undefined ? 'body' : fieldOf(first);
      return new ApiError(HttpStatus.BAD_REQUEST, {
        code: 'invalid_request',
        message: first === undefined ? 'The request is not valid' : `${field}: ${first.message}`,
        field,
        issues: issues.slice(0, 20).map((issue) => ({ field: fieldOf(issue), message: issue.message })),
      });
    },
  });
}
