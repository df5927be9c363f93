import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyView, AuditEntryView, CreatedApiKeyView, MemberView, OrganizationView, PreflightView, ProjectView, SubmittedJobView } from '@atelier/contracts';
import { startTestApp, type TestApp } from './app.js';
import { ApiClient } from './client.js';
import { addMember, expectStatus, signedUp, submitAndWait, type Member } from './world.js';

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 } as const; // 10 credits

describe('member budgets, projects, API keys and pre-flight', () => {
  let server: TestApp;
  let owner: Member;
  let member: Member;
  let organization: OrganizationView;

  beforeAll(async () => {
    server = await startTestApp();
    owner = await signedUp(server, 'budget-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Budget Co', timeZone: 'Europe/Paris' });
    expectStatus(created, 201);
    organization = created.body;
    member = await addMember(server, owner.client, organization.id, 'member', 'spender');
    await server.grantCredits(organization.id, 1_000);
  });
  afterAll(async () => {
    await server.close();
  });

  it('pre-flight gives the price with its breakdown, the balances, and allowed', async () => {
    const response = await member.client.post<PreflightView>(`/orgs/${organization.id}/preflight`, { request: schnell });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ allowed: true, reasons: [], modelAllowed: true, pool: { availableCredits: 1_000 } });
    expect(response.body.price.credits).toBe(10);
    expect(response.body.price.lineItems[0]?.description).toMatch(/512×512/);
    expect(response.body.member.remainingCredits).toBeNull(); // no limit yet
  });

  it('pre-flight names the field of a bad generation request', async () => {
    const response = await member.client.post(`/orgs/${organization.id}/preflight`, { request: { ...schnell, width: 513 } });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'invalid_request', field: 'request.width' });
  });

  it('a manager sets a budget with thresholds and allowed models; every change is audited', async () => {
    const set = await owner.client.put<MemberView>(`/orgs/${organization.id}/members/${member.userId}/budget`, {
      limitCredits: 25,
      period: 'month',
      alertThresholdsPercent: [80, 50],
      allowedModels: ['flux-schnell', 'flux-dev'],
    });
    expect(set.status).toBe(200);
    expect(set.body.budget).toMatchObject({ limitCredits: 25, period: 'month', spentCredits: 0, remainingCredits: 25 });
    expect(set.body.alertThresholdsPercent).toEqual([50, 80]);
    expect(set.body.budget.resetsAt).not.toBeNull();
    const audit = await owner.client.get<AuditEntryView[]>(`/orgs/${organization.id}/audit`);
    const entry = audit.body.find((candidate) => candidate.action === 'budget.member');
    expect(entry).toMatchObject({ targetId: member.userId, actor: { id: owner.userId }, after: { limitCredits: 25 } });
    expect(entry?.before).toMatchObject({ allowedModels: null });
  });

  it('pre-flight says when a model is not allowed, and a submit is refused with model_not_allowed', async () => {
    const pro = { ...schnell, model: 'flux-pro', steps: 25 };
    const preflight = await member.client.post<PreflightView>(`/orgs/${organization.id}/preflight`, { request: pro });
    expect(preflight.body.allowed).toBe(false);
    expect(preflight.body.modelAllowed).toBe(false);
    expect(preflight.body.reasons.map((reason) => reason.code)).toContain('model_not_allowed');
    const submit = await member.client.post(`/orgs/${organization.id}/jobs`, { request: pro, prompt: 'not allowed' });
    expect(submit.status).toBe(403);
    expect(submit.body).toMatchObject({ code: 'model_not_allowed' });
  });

  it('a budget lowered below what was spent blocks the next hold and never shows a negative remainder', async () => {
    const first = await submitAndWait(member.client, organization.id, { request: schnell, prompt: 'first' });
    const second = await submitAndWait(member.client, organization.id, { request: schnell, prompt: 'second' });
    expect([first.status, second.status]).toEqual(['succeeded', 'succeeded']);
    const spent = await member.client.get<MemberView>(`/orgs/${organization.id}/me`);
    expect(spent.body.budget).toMatchObject({ spentCredits: 20, remainingCredits: 5 });

    expectStatus(await owner.client.put(`/orgs/${organization.id}/members/${member.userId}/budget`, { limitCredits: 15, period: 'month', allowedModels: ['flux-schnell'] }), 200);
    const lowered = await member.client.get<MemberView>(`/orgs/${organization.id}/me`);
    expect(lowered.body.budget).toMatchObject({ limitCredits: 15, spentCredits: 20, remainingCredits: 0 });

    const preflight = await member.client.post<PreflightView>(`/orgs/${organization.id}/preflight`, { request: schnell });
    expect(preflight.body.allowed).toBe(false);
    expect(preflight.body.reasons[0]).toMatchObject({ code: 'budget_exceeded', availableCredits: 0, requestedCredits: 10 });
    const blocked = await member.client.post(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'blocked' });
    expect(blocked.status).toBe(402);
    expect(blocked.body).toMatchObject({ code: 'budget_exceeded', remainingCredits: 0, requestedCredits: 10, limitCredits: 15 });
    expect((blocked.body as { message: string }).message).toMatch(/ask a manager/);
  });

  it("shows a project's spending even when it has no limit", async () => {
    const project = await owner.client.post<ProjectView>(`/orgs/${organization.id}/projects`, { name: 'Open ended' });
    expectStatus(project, 201);
    expect(project.body).toMatchObject({ budget: null, spentCredits: 0 });
    const job = await submitAndWait(owner.client, organization.id, { request: schnell, prompt: 'in an open project', projectId: project.body.id });
    expect(job.status).toBe('succeeded');
    const after = await owner.client.get<ProjectView>(`/orgs/${organization.id}/projects/${project.body.id}`);
    expect(after.body.budget).toBeNull();
    expect(after.body.spentCredits).toBe(job.capturedCredits);
    expect(after.body.spentCredits).toBeGreaterThan(0);
  });

  it('a project budget binds on its own', async () => {
    expectStatus(await owner.client.put(`/orgs/${organization.id}/members/${member.userId}/budget`, { limitCredits: null, period: 'none', allowedModels: null }), 200);
    const project = await owner.client.post<ProjectView>(`/orgs/${organization.id}/projects`, { name: 'Tiny', budget: { limitCredits: 15, period: 'none' } });
    expectStatus(project, 201);
    expect(project.body.budget).toMatchObject({ limitCredits: 15, remainingCredits: 15 });
    const first = await submitAndWait(member.client, organization.id, { request: schnell, prompt: 'in project', projectId: project.body.id });
    expect(first.status).toBe('succeeded');
    const second = await member.client.post(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'over project', projectId: project.body.id });
    expect(second.status).toBe(402);
    expect(second.body).toMatchObject({ code: 'project_budget_exceeded', remainingCredits: 5 });
  });

  it('an API key spends against its member, is shown once, records its last use, and stops working when revoked', async () => {
    const created = await member.client.post<CreatedApiKeyView>(`/orgs/${organization.id}/api-keys`, { name: 'nightly batch' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^atl_/);
    const listed = await member.client.get<ApiKeyView[]>(`/orgs/${organization.id}/api-keys`);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    expect(listed.body.find((key) => key.id === created.body.id)?.lastUsedAt).toBeNull();

    const script = new ApiClient(server.url);
    script.apiKey = created.body.secret;
    const before = await member.client.get<MemberView>(`/orgs/${organization.id}/me`);
    const submitted = await script.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'from a script' });
    expect(submitted.status).toBe(201);
    expect(submitted.body.job.authorId).toBe(member.userId);
    const after = await member.client.get<MemberView>(`/orgs/${organization.id}/me`);
    expect(after.body.budget.pendingCredits + after.body.budget.spentCredits).toBe(before.body.budget.pendingCredits + before.body.budget.spentCredits + 10);
    expect((await script.get('/orgs')).status).toBe(403); // keys work on their org's routes only
    const used = await member.client.get<ApiKeyView[]>(`/orgs/${organization.id}/api-keys`);
    expect(used.body.find((key) => key.id === created.body.id)?.lastUsedAt).not.toBeNull();

    expectStatus(await member.client.delete(`/orgs/${organization.id}/api-keys/${created.body.id}`), 204);
    const revoked = await script.get(`/orgs/${organization.id}/pool`);
    expect(revoked.status).toBe(401);
  });

  it('keeps at least one owner', async () => {
    const demote = await owner.client.patch(`/orgs/${organization.id}/members/${owner.userId}`, { role: 'manager' });
    expect(demote.status).toBe(409);
    expect(demote.body).toMatchObject({ code: 'last_owner' });
  });
});
