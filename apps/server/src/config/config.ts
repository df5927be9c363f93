import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { repositoryRoot } from '../paths.js';
import { parseStorageConfig, type StorageConfig } from '../storage/storage-config.js';
import { providerIds } from '../providers/provider.js';

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
  STRIPE_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  AUTO_TOP_UP_RETRY_DELAY_MS: z.coerce.number().int().min(0).max(7 * 24 * 3_600_000).default(15 * 60_000),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  MAIL_FROM: z.string().trim().min(3).default('Atelier <no-reply@atelier.local>'),
  RUN_WORKERS: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
  TRIAL_CREDITS: z.coerce.number().int().min(0).max(1_000_000).default(300),
  TRIAL_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  JOB_QUEUED_HOLD_TTL_MS: z.coerce.number().int().min(1_000).max(7 * 24 * 3_600_000).default(6 * 3_600_000),
  JOB_RUNNING_HOLD_TTL_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  JOB_HOLD_EXTEND_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  WORKER_SILENT_AFTER_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  QUEUE_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(1_000),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
  ORM_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  PROVIDER_CONCURRENCY_LOCAL: z.coerce.number().int().min(1).max(64).default(2),
  PROVIDER_CONCURRENCY_BFL: z.coerce.number().int().min(1).max(64).default(4),
  PROVIDER_CONCURRENCY_STABILITY: z.coerce.number().int().min(1).max(64).default(4),
  PROVIDER_CONCURRENCY_WAVESPEED: z.coerce.number().int().min(1).max(64).default(4),
  PROVIDER_CONCURRENCY_HUGGINGFACE: z.coerce.number().int().min(1).max(64).default(2),
  PROVIDER_CONCURRENCY_FAL: z.coerce.number().int().min(1).max(64).default(4),
  PROVIDER_CONCURRENCY_GOOGLE: z.coerce.number().int().min(1).max(64).default(2),
  PROVIDER_CONCURRENCY_OPENAI: z.coerce.number().int().min(1).max(64).default(4),
  PROVIDER_CONCURRENCY_COMFYUI: z.coerce.number().int().min(1).max(64).default(1),
  LOCAL_PROVIDER_LATENCY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  LOCAL_PROVIDER_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  BFL_API_KEY: nonEmpty,
  BFL_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  STABILITY_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  STABILITY_API_KEY: nonEmpty,
  WAVESPEED_API_KEY: nonEmpty,
  WAVESPEED_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  HF_TOKEN: nonEmpty,
  HF_INFERENCE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  FAL_KEY: nonEmpty,
  FAL_QUEUE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  GEMINI_API_KEY: nonEmpty,
  GEMINI_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  OPENAI_API_KEY: nonEmpty,
  OPENAI_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  OPENAI_ORGANIZATION: nonEmpty,
  COMFYUI_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  COMFYUI_TOKEN: nonEmpty,
  COMFYUI_MODELS: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9.-]*(\s*,\s*[a-z0-9][a-z0-9.-]*)*$/, 'must be a comma-separated list of catalog model ids, such as flux-dev,flux-schnell')
    .default('flux-dev'),
  COMFYUI_WORKFLOWS_DIR: nonEmpty,
  PROVIDER_PREFERENCE: z
    .string()
    .trim()
    .refine((value) => value === '' || value.split(',').every((id) => (providerIds as readonly string[]).includes(id.trim())), {
      error: `must be a comma-separated list of provider ids: ${providerIds.join(', ')}`,
    })
    .default(''),
  ALERT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  ALERT_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  ALERT_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
  ALERT_WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  RATE_LIMIT_SUBMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
  RATE_LIMIT_PREFLIGHT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  RATE_LIMIT_EXPENSIVE_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
  RATE_LIMIT_REVIEW_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(300),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(10_000),
  HTTP_BODY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  MAX_INFLIGHT_SUBMITS: z.coerce.number().int().min(1).max(100_000).default(1024),
  CREDENTIAL_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  ALLOWED_ORIGINS: z
    .string()
    .trim()
    .refine((value) => value.split(',').every((item) => isOrigin(item.trim())), { error: 'must be a comma-separated list of origins such as https://app.example.com' })
    .optional(),
  TRUST_PROXY: z
    .string()
    .trim()
    .refine(isTrustProxy, { error: 'must be false, a hop count (0-10), or a comma-separated list of proxy addresses, CIDR ranges, loopback, linklocal or uniquelocal' })
    .optional(),
});

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '').toLowerCase();
  } catch {
    return false;
  }
}

/** `false`, a hop count, or addresses/ranges/names Express's `trust proxy` understands. */
function isTrustProxy(value: string): boolean {
  if (value === 'false' || /^(?:[0-9]|10)$/.test(value)) return true;
  return value.split(',').every((item) => {
    const entry = item.trim();
    if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
    const [address = '', prefix] = entry.split('/');
    const version = isIP(address);
    if (version === 0) return false;
    return prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
  });
}

/** Express's `trust proxy` setting: none by default, so X-Forwarded-For is ignored unless a proxy is named. */
function trustProxySetting(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === 'false') return false;
  if (/^[0-9]+$/.test(value)) return Number(value);
  return value.split(',').map((item) => item.trim());
}

export interface AppConfig {
  port: number;
  host: string;
  /** Absent: an embedded Postgres is started with its data in `${dataDirectory}/postgres`. */
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  dataDirectory: string;
  embeddedPostgresPort: number;
  /**
   * Postgres connections this process may open: `sql` for the plain pool (the ledger, jobs, the
   * queue's workers), `orm` for MikroORM's. A node opens at most their sum; size them so every
   * node of a cluster fits the server's max_connections.
   */
  databasePool: { sql: number; orm: number };
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  shutdownTimeoutMs: number;
  /** Base of links in emails (invitations, password resets). */
  publicUrl: string;
  mail: { smtpUrl: string | undefined; from: string };
  /** Where generated images are stored: `${dataDirectory}/assets`, or S3 when S3_BUCKET is set. */
  storage: StorageConfig;
  /**
   * Billing. `apiUrl`: another Stripe API base (the tests' fake); absent: Stripe's own
   * (api.stripe.com over https), the path that ships.
   */
  stripe: { secretKey: string; webhookSecret: string; apiUrl: string | undefined } | undefined;
  billing: {
    /** After a failed auto top-up payment, the next attempt waits at least this long. */
    autoTopUpRetryDelayMs: number;
  };
  providers: {
    blackForestLabsApiKey: string | undefined;
    /** Another base URL for the Flux API (a proxy; the tests' fake). */
    blackForestLabsUrl: string | undefined;
    stabilityApiKey: string | undefined;
    stabilityUrl: string | undefined;
    wavespeedApiKey: string | undefined;
    /** Another base URL for the WaveSpeed API (a proxy; the tests' fake). */
    wavespeedUrl: string | undefined;
    /** A Hugging Face access token with "Inference Providers" permission. */
    huggingFaceToken: string | undefined;
    huggingFaceUrl: string | undefined;
    falKey: string | undefined;
    falUrl: string | undefined;
    geminiApiKey: string | undefined;
    geminiUrl: string | undefined;
    openAiApiKey: string | undefined;
    openAiUrl: string | undefined;
    openAiOrganization: string | undefined;
    comfyUi: { url: string; token: string | undefined; models: string[]; workflowsDir: string | undefined } | undefined;
    /** Adapter ids tried first, in this order, for every model they run. */
    preference: string[];
    localLatencyMs: number;
    localFailureRate: number;
    concurrency: { local: number; blackForestLabs: number; stability: number; wavespeed: number; huggingFace: number; fal: number; google: number; openai: number; comfyui: number };
  };
  /** The Free tier's "limited credits for testing": what a new org's pool starts with, and for how long. */
  trial: { credits: number; days: number };
  jobs: {
    /** This process runs generation jobs (an API-only node sets RUN_WORKERS=false). */
    runWorkers: boolean;
    queuedHoldTtlMs: number;
    runningHoldTtlMs: number;
    holdExtendIntervalMs: number;
    sweepIntervalMs: number;
    /** A worker whose heartbeat is older than this is dead: its locked jobs and queues are freed. */
    workerSilentAfterMs: number;
    /** How often an idle worker looks for jobs on its own (jobs start on notification; the poll finds retries whose backoff ended). */
    queuePollIntervalMs: number;
  };
  /** Requests per minute per member (in an org) or per API key; docs/SECURITY.md. */
  rateLimits: { submitPerMinute: number; preflightPerMinute: number; expensivePerMinute: number; reviewPerMinute: number };
  /** How long a node trusts a session, API key or membership it read (0: reads every request); revocations on this node evict at once. */
  credentialCacheTtlMs: number;
  /**
   * Origins whose pages may open cookie-authenticated sockets and collab connections, besides the
   * server's own and PUBLIC_URL's (lower-case, no trailing slash).
   */
  allowedOrigins: ReadonlySet<string>;
  http: {
    /** A client must send a request's headers within this (Node's headersTimeout). */
    headersTimeoutMs: number;
    /** A request's body must have arrived this long after its headers, else 408. */
    bodyTimeoutMs: number;
    /** Job submits this node handles at once; more get 503 + Retry-After. */
    maxInFlightSubmits: number;
  };
  /** Express `trust proxy`: which peers' X-Forwarded-For is believed (none by default). */
  trustProxy: boolean | number | string[];
  alerts: {
    /** One webhook delivery attempt gives up after this long. */
    webhookTimeoutMs: number;
    /** Attempts per alert, the first included; then it is logged as abandoned. */
    webhookMaxAttempts: number;
    /** Wait before the 2nd attempt; it doubles for each next one (capped at an hour). */
    webhookRetryBaseMs: number;
    /** Webhooks may reach loopback and private addresses (a self-hosted intranet, tests). */
    webhookAllowPrivateNetworks: boolean;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((problem) => `  ${problem.variable}: ${problem.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

type Environment = z.infer<typeof environmentSchema>;

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
  const dataDirectory = path.resolve(repositoryRoot, env.DATA_DIR ?? '.data');
  const storage = parseStorageConfig(present, dataDirectory);
  if (!storage.success) {
    throw new ConfigError(storage.problems);
  }
  if ((env.STRIPE_SECRET_KEY === undefined) !== (env.STRIPE_WEBHOOK_SECRET === undefined)) {
    const missing = env.STRIPE_SECRET_KEY === undefined ? 'STRIPE_SECRET_KEY' : 'STRIPE_WEBHOOK_SECRET';
    throw new ConfigError([{ variable: missing, message: 'must be set together with the other Stripe variable' }]);
  }
  return {
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    dataDirectory,
    storage: storage.config,
    embeddedPostgresPort: env.EMBEDDED_POSTGRES_PORT,
    databasePool: { sql: env.DATABASE_POOL_SIZE, orm: env.ORM_POOL_SIZE },
    logLevel: env.LOG_LEVEL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${String(env.PORT)}`).replace(/\/$/, ''),
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM },
    stripe:
      env.STRIPE_SECRET_KEY !== undefined && env.STRIPE_WEBHOOK_SECRET !== undefined
        ? { secretKey: env.STRIPE_SECRET_KEY, webhookSecret: env.STRIPE_WEBHOOK_SECRET, apiUrl: env.STRIPE_API_URL }
        : undefined,
    billing: { autoTopUpRetryDelayMs: env.AUTO_TOP_UP_RETRY_DELAY_MS },
    providers: providersConfig(env),
    trial: { credits: env.TRIAL_CREDITS, days: env.TRIAL_DAYS },
    jobs: {
      runWorkers: env.RUN_WORKERS === 'true',
      queuedHoldTtlMs: env.JOB_QUEUED_HOLD_TTL_MS,
      runningHoldTtlMs: env.JOB_RUNNING_HOLD_TTL_MS,
      holdExtendIntervalMs: env.JOB_HOLD_EXTEND_INTERVAL_MS,
      sweepIntervalMs: env.SWEEP_INTERVAL_MS,
      workerSilentAfterMs: env.WORKER_SILENT_AFTER_MS,
      queuePollIntervalMs: env.QUEUE_POLL_INTERVAL_MS,
    },
    rateLimits: {
      submitPerMinute: env.RATE_LIMIT_SUBMIT_PER_MINUTE,
      preflightPerMinute: env.RATE_LIMIT_PREFLIGHT_PER_MINUTE,
      expensivePerMinute: env.RATE_LIMIT_EXPENSIVE_PER_MINUTE,
      reviewPerMinute: env.RATE_LIMIT_REVIEW_PER_MINUTE,
    },
    credentialCacheTtlMs: env.CREDENTIAL_CACHE_TTL_MS,
    trustProxy: trustProxySetting(env.TRUST_PROXY),
    http: { headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS, bodyTimeoutMs: env.HTTP_BODY_TIMEOUT_MS, maxInFlightSubmits: env.MAX_INFLIGHT_SUBMITS },
    allowedOrigins: new Set([
      new URL(env.PUBLIC_URL ?? `http://localhost:${String(env.PORT)}`).origin,
      ...(env.ALLOWED_ORIGINS ?? '').split(',').map((item) => item.trim().replace(/\/$/, '').toLowerCase()).filter((item) => item !== ''),
    ]),
    alerts: {
      webhookTimeoutMs: env.ALERT_WEBHOOK_TIMEOUT_MS,
      webhookMaxAttempts: env.ALERT_WEBHOOK_MAX_ATTEMPTS,
      webhookRetryBaseMs: env.ALERT_WEBHOOK_RETRY_BASE_MS,
      webhookAllowPrivateNetworks: env.ALERT_WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true',
    },
  };
}

/** The image providers' keys, endpoints and worker pools. */
function providersConfig(env: Environment): AppConfig['providers'] {
  return {
    blackForestLabsApiKey: env.BFL_API_KEY,
    blackForestLabsUrl: env.BFL_API_URL,
    stabilityApiKey: env.STABILITY_API_KEY,
    stabilityUrl: env.STABILITY_API_URL,
    wavespeedApiKey: env.WAVESPEED_API_KEY,
    wavespeedUrl: env.WAVESPEED_API_URL,
    huggingFaceToken: env.HF_TOKEN,
    huggingFaceUrl: env.HF_INFERENCE_URL,
    falKey: env.FAL_KEY,
    falUrl: env.FAL_QUEUE_URL,
    geminiApiKey: env.GEMINI_API_KEY,
    geminiUrl: env.GEMINI_API_URL,
    openAiApiKey: env.OPENAI_API_KEY,
    openAiUrl: env.OPENAI_API_URL,
    openAiOrganization: env.OPENAI_ORGANIZATION,
    preference: env.PROVIDER_PREFERENCE === '' ? [] : env.PROVIDER_PREFERENCE.split(',').map((id) => id.trim()),
    comfyUi:
      env.COMFYUI_URL === undefined
        ? undefined
        : { url: env.COMFYUI_URL, token: env.COMFYUI_TOKEN, models: env.COMFYUI_MODELS.split(',').map((id) => id.trim()), workflowsDir: env.COMFYUI_WORKFLOWS_DIR },
    localLatencyMs: env.LOCAL_PROVIDER_LATENCY_MS,
    localFailureRate: env.LOCAL_PROVIDER_FAILURE_RATE,
    concurrency: {
      local: env.PROVIDER_CONCURRENCY_LOCAL,
      blackForestLabs: env.PROVIDER_CONCURRENCY_BFL,
      stability: env.PROVIDER_CONCURRENCY_STABILITY,
      wavespeed: env.PROVIDER_CONCURRENCY_WAVESPEED,
      huggingFace: env.PROVIDER_CONCURRENCY_HUGGINGFACE,
      fal: env.PROVIDER_CONCURRENCY_FAL,
      google: env.PROVIDER_CONCURRENCY_GOOGLE,
      openai: env.PROVIDER_CONCURRENCY_OPENAI,
      comfyui: env.PROVIDER_CONCURRENCY_COMFYUI,
    },
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
