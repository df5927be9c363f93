import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApiKeyView, OrganizationView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { ApiClient, type ApiResponse } from '../client.js';
import { addMember, expectStatus, signedUp, type Member } from '../world.js';
import { PASSWORD_RESETS_PER_ADDRESS, PASSWORD_RESETS_PER_EMAIL, SIGN_IN_ADDRESS_FAILURES_ALLOWED, SIGN_IN_FAILURES_ALLOWED } from '../../src/auth/rate-limit.repository.js';

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 };

function expectRateLimited(response: ApiResponse): void {
  expect({ status: response.status, body: response.body }).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
}

describe('rate limits: 429 with Retry-After and a code', () => {
  let server: TestApp;
  let owner: Member;
  let member: Member;
  let organization: OrganizationView;

  beforeAll(async () => {
    server = await startTestApp({ RATE_LIMIT_SUBMIT_PER_MINUTE: '3', RATE_LIMIT_PREFLIGHT_PER_MINUTE: '5', RATE_LIMIT_EXPENSIVE_PER_MINUTE: '2' });
    owner = await signedUp(server, 'limits-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Limits' });
    expectStatus(created, 201);
    organization = created.body;
    member = await addMember(server, owner.client, organization.id, 'member', 'limits-member');
    await server.grantCredits(organization.id, 10_000);
  });
  afterAll(async () => {
    await server.close();
  });

  it('limits submits per member and per API key; other members are not affected', async () => {
    const submit = (client: ApiClient): Promise<ApiResponse> => client.post(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'a kite' });
    for (let index = 0; index < 3; index += 1) expectStatus(await submit(member.client), 201);
    expectRateLimited(await submit(member.client));
    // The owner has a budget of their own; the member's API key has its own count too.
    expectStatus(await submit(owner.client), 201);
    const key = await member.client.post<CreatedApiKeyView>(`/orgs/${organization.id}/api-keys`, { name: 'script' });
    const script = new ApiClient(server.url);
    script.apiKey = key.body.secret;
    expectStatus(await submit(script), 201);
  });

  it('counts a bulk submit as its items: three fill a limit of three, and a bulk of four is over it', async () => {
    const bulk = (client: ApiClient, count: number): Promise<ApiResponse> =>
      client.post(`/orgs/${organization.id}/jobs/bulk`, { jobs: Array.from({ length: count }, (_, index) => ({ request: schnell, prompt: `bulk ${String(index)}` })) });
    const filler = await addMember(server, owner.client, organization.id, 'member', 'limits-bulk');
    expectStatus(await bulk(filler.client, 3), 200);
    expectRateLimited(await filler.client.post(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'one more' }));
    const greedy = await addMember(server, owner.client, organization.id, 'member', 'limits-greedy');
    expectRateLimited(await bulk(greedy.client, 4));
  });

  it('limits preflight and the usage reports per member', async () => {
    for (let index = 0; index < 5; index += 1) expectStatus(await owner.client.post(`/orgs/${organization.id}/preflight`, { request: schnell }), 200);
    expectRateLimited(await owner.client.post(`/orgs/${organization.id}/preflight`, { request: schnell }));
    const to = new Date().toISOString();
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const spend = `/orgs/${organization.id}/usage/spend?groupBy=member&bucket=day&from=${from}&to=${to}`;
    for (let index = 0; index < 2; index += 1) expectStatus(await owner.client.get(spend), 200);
    expectRateLimited(await owner.client.get(spend));
  });

  it('limits password reset emails per target email and per address, for known and unknown emails alike', async () => {
    const anonymous = new ApiClient(server.url);
    for (let index = 0; index < PASSWORD_RESETS_PER_EMAIL; index += 1) expectStatus(await anonymous.post('/auth/password-reset', { email: member.email }), 202);
    expectRateLimited(await anonymous.post('/auth/password-reset', { email: member.email }));
    expect(server.outbox.filter((mail) => mail.to === member.email && mail.subject.includes('Reset'))).toHaveLength(PASSWORD_RESETS_PER_EMAIL);
    // The address has used PASSWORD_RESETS_PER_EMAIL + 1; the rest of its allowance, then 429 for any email.
    for (let index = PASSWORD_RESETS_PER_EMAIL + 1; index < PASSWORD_RESETS_PER_ADDRESS; index += 1) {
      expectStatus(await anonymous.post('/auth/password-reset', { email: `nobody-${String(index)}@example.com` }), 202);
    }
    expectRateLimited(await anonymous.post('/auth/password-reset', { email: 'someone-else@example.com' }));
  });

  it('limits failed sign-ins per address across emails, and ignores X-Forwarded-For from an untrusted peer', async () => {
    const victim = await signedUp(server, 'limits-victim');
    const attacker = new ApiClient(server.url);
    // Rotating X-Forwarded-For does not make new addresses: no proxy is trusted by default.
    for (let index = 0; index < SIGN_IN_FAILURES_ALLOWED; index += 1) {
      const response = await attacker.request('POST', '/auth/sign-in', { email: victim.email, password: 'not the password' }, { 'x-forwarded-for': `203.0.113.${String(index)}` });
      expect(response.status).toBe(401);
    }
    expectRateLimited(await attacker.request('POST', '/auth/sign-in', { email: victim.email, password: 'correct horse battery' }, { 'x-forwarded-for': '198.51.100.7' }));
    // Spraying many emails from one address is limited too.
    let limited: ApiResponse | undefined;
    for (let index = 0; index < SIGN_IN_ADDRESS_FAILURES_ALLOWED + 1 && limited === undefined; index += 1) {
      const response = await attacker.post('/auth/sign-in', { email: `spray-${String(index)}@example.com`, password: 'password123' });
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(401);
    }
    expect(limited).toBeDefined();
    if (limited !== undefined) expectRateLimited(limited);
  }, 60_000);
});

describe('TRUST_PROXY', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('believes X-Forwarded-For from a configured proxy: each client address has its own sign-in count', async () => {
    const person = await signedUp(server, 'proxy-person');
    const client = new ApiClient(server.url);
    for (let index = 0; index < SIGN_IN_FAILURES_ALLOWED; index += 1) {
      expect((await client.request('POST', '/auth/sign-in', { email: person.email, password: 'wrong password' }, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(401);
    }
    expectRateLimited(await client.request('POST', '/auth/sign-in', { email: person.email, password: 'correct horse battery' }, { 'x-forwarded-for': '203.0.113.1' }));
    expect((await client.request('POST', '/auth/sign-in', { email: person.email, password: 'correct horse battery' }, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
  });
});
