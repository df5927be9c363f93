import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function problemsOf(environment: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) {
      return [...error.problems];
    }
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('has working defaults with nothing set: port 3000 and an embedded database', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.stripe).toBeUndefined();
    expect(config.dataDirectory).toMatch(/\.data$/);
  });

  it('sizes the Postgres pools of a process (defaults 20 + 10) and refuses a pool of 0', () => {
    expect(loadConfig({}).databasePool).toEqual({ sql: 20, orm: 10 });
    expect(loadConfig({ DATABASE_POOL_SIZE: '6', ORM_POOL_SIZE: '3' }).databasePool).toEqual({ sql: 6, orm: 3 });
    expect(problemsOf({ DATABASE_POOL_SIZE: '0' }).map((problem) => problem.variable)).toEqual(['DATABASE_POOL_SIZE']);
  });

  it('reads every supported variable', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/atelier',
      REDIS_URL: 'redis://cache:6379',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/atelier',
      redisUrl: 'redis://cache:6379',
      logLevel: 'warn',
      stripe: { secretKey: 'sk_test_x', webhookSecret: 'whsec_x' },
    });
  });

  it.each([['abc'], ['-1'], ['70000'], ['80.5']])('rejects PORT=%s naming the variable', (port) => {
    expect(problemsOf({ PORT: port })).toEqual([{ variable: 'PORT', message: expect.stringMatching(/whole number/) as string }]);
  });

  it.each([['not a url'], ['mysql://localhost/db'], ['http://localhost:5432']])(
    'rejects DATABASE_URL=%s naming the variable',
    (url) => {
      expect(problemsOf({ DATABASE_URL: url }).map((problem) => problem.variable)).toEqual(['DATABASE_URL']);
    },
  );

  it('reports every bad variable at once', () => {
    const variables = problemsOf({ PORT: 'x', DATABASE_URL: 'nope', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' }).map(
      (problem) => problem.variable,
    );
    expect(variables.sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT', 'REDIS_URL']);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' })).toMatchObject({ databaseUrl: undefined, port: 3000 });
  });

  it('requires the two Stripe variables together', () => {
    expect(problemsOf({ STRIPE_SECRET_KEY: 'sk_test_x' })).toEqual([
      { variable: 'STRIPE_WEBHOOK_SECRET', message: expect.stringMatching(/together/) as string },
    ]);
  });

  it('trusts no proxy by default; TRUST_PROXY takes a hop count or proxy addresses, and refuses anything else', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,::1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', '::1']);
    expect(problemsOf({ TRUST_PROXY: 'everyone' })).toEqual([{ variable: 'TRUST_PROXY', message: expect.stringMatching(/hop count/) as string }]);
    expect(problemsOf({ TRUST_PROXY: '10.0.0.0/33' })).toHaveLength(1);
  });
});
