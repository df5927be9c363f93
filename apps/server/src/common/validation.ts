import { type ArgumentMetadata, HttpStatus, StandardSchemaValidationPipe } from '@nestjs/common';
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

/** A NUL (Postgres text cannot hold it) or a UTF-16 surrogate without its partner (not Unicode). */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const unstorableText = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string (key or value) in `value` that cannot be stored as text, or undefined. */
export function unstorableTextAt(value: unknown, path: string[] = [], depth = 0): string[] | undefined {
  if (typeof value === 'string') return unstorableText.test(value) ? path : undefined;
  if (typeof value !== 'object' || value === null || depth > 32) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (unstorableText.test(key)) return [...path, 'key'];
    const found = unstorableTextAt(item, [...path, key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function invalidRequest(field: string, message: string, issues: readonly Issue[]): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, {
    code: 'invalid_request',
    message: `${field}: ${message}`,
    field,
    issues: issues.slice(0, 20).map((issue) => ({ field: fieldOf(issue), message: issue.message })),
  });
}

/**
 * Every text the API takes is refused with a 400 naming its field when it holds a NUL or an
 * unpaired surrogate: neither can be stored, and neither is text a person typed.
 */
class ValidationPipe extends StandardSchemaValidationPipe {
  override async transform<T = unknown>(value: T, metadata: ArgumentMetadata): Promise<T> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const at = unstorableTextAt(value, metadata.type === 'param' && metadata.data !== undefined ? [metadata.data] : []);
      if (at !== undefined) {
        const field = at.length === 0 ? (metadata.data ?? 'body') : at.join('.');
        throw invalidRequest(field, 'must not contain NUL characters or unpaired surrogates', []);
      }
    }
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      // A path parameter's schema sees a bare string: name the parameter rather than "body".
      if (metadata.type === 'param' && metadata.data !== undefined && error instanceof ApiError) {
        const body = error.getResponse() as { field?: string; message?: string; issues?: readonly { message: string }[] };
        if (body.field === 'body') {
          const first = body.issues?.[0]?.message ?? 'is not valid';
          throw invalidRequest(metadata.data, first, (body.issues ?? []).map((issue) => ({ message: issue.message, path: [metadata.data ?? ''] })));
        }
      }
      throw error;
    }
  }
}

/**
 * Validates every `@Body/@Query/@Param({ schema })` with its zod schema; a failure is a 400 that
 * names the first field at fault and lists every issue.
 */
export function validationPipe(): StandardSchemaValidationPipe {
  return new ValidationPipe({
    exceptionFactory: (issues: readonly Issue[]) => {
      const first = issues[0];
      if (first === undefined) return invalidRequest('body', 'is not valid', []);
      return invalidRequest(fieldOf(first), first.message, issues);
    },
  });
}
