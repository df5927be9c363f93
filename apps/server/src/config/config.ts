import path from 'node:path';
import { z } from 'zod';
import { repositoryRoot } from '../paths.js';

const postgresUrl = z
  .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
  .optional();
const redisUrl = z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional();
const nonEmpty = z.string().trim().min(1, 'must not be empty').optional();

const environmentSchema = z.object({
  PORT: z.coerce
    .number({ error: 'must be a whole number from 0 to 65535' })
    .int('must be a whole number from 0 to 65535')
    .min(0, 'must be a whole number from 0 to 65535')
    .max(65535, 'must be a whole number from 0 to 65535')
    .default(3000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  DATA_DIR: z.string().trim().min(1).optional(),
  EMBEDDED_POSTGRES_PORT: z.coerce
    .number({ error: 'must be a whole number from 1 to 65535' })
    .int('must be a whole number from 1 to 65535')
    .min(1, 'must be a whole number from 1 to 65535')
    .max(65535, 'must be a whole number from 1 to 65535')
    .default(54329),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  STRIPE_SECRET_KEY: nonEmpty,
  STRIPE_WEBHOOK_SECRET: nonEmpty,
  BFL_API_KEY: nonEmpty,
  STABILITY_API_KEY: nonEmpty,
});

export interface AppConfig {
  port: number;
  host: string;
  /** Absent: an embedded Postgres is started with its data in `${dataDirectory}/postgres`. */
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  dataDirectory: string;
  embeddedPostgresPort: number;
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  shutdownTimeoutMs: number;
  stripe: { secretKey: string; webhookSecret: string } | undefined;
  providers: { blackForestLabsApiKey: string | undefined; stabilityApiKey: string | undefined };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((problem) => `  ${problem.variable}: ${problem.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Reads the environment once, at start-up. Throws ConfigError naming every bad variable. */
export function loadConfig(environment: Record<string, string | undefined> = process.env): AppConfig {
  // An empty variable means "not set", as in most shells' `FOO= cmd`.
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message })),
    );
  }
  const env = parsed.data;
  if ((env.STRIPE_SECRET_KEY === undefined) !== (env.STRIPE_WEBHOOK_SECRET === undefined)) {
    const missing = env.STRIPE_SECRET_KEY === undefined ? 'STRIPE_SECRET_KEY' : 'STRIPE_WEBHOOK_SECRET';
    throw new ConfigError([{ variable: missing, message: 'must be set together with the other Stripe variable' }]);
  }
  return {
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    dataDirectory: path.resolve(repositoryRoot, env.DATA_DIR ?? '.data'),
    embeddedPostgresPort: env.EMBEDDED_POSTGRES_PORT,
    logLevel: env.LOG_LEVEL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    stripe:
      env.STRIPE_SECRET_KEY !== undefined && env.STRIPE_WEBHOOK_SECRET !== undefined
        ? { secretKey: env.STRIPE_SECRET_KEY, webhookSecret: env.STRIPE_WEBHOOK_SECRET }
        : undefined,
    providers: { blackForestLabsApiKey: env.BFL_API_KEY, stabilityApiKey: env.STABILITY_API_KEY },
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
