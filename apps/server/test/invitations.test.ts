import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { InvitationPreview, InvitationView, MemberView, OrganizationView } from '@atelier/contracts';
import { startTestApp, type TestApp } from './app.js';
import { ApiClient } from './client.js';
import { addMember, expectStatus, invite, signedUp, type Member } from './world.js';

describe('invitations', () => {
  let server: TestApp;
  let owner: Member;
  let organization: OrganizationView;

  beforeAll(async () => {
    server = await startTestApp();
    owner = await signedUp(server, 'inviter');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Studio Nord' });
    expectStatus(created, 201);
    organization = created.body;
  });
  afterAll(async () => {
    await server.close();
  });

  it('lets a newcomer see the invitation, create an account from it, and join with the role and the default budget', async () => {
    expectStatus(await owner.client.patch(`/orgs/${organization.id}`, { defaultMemberBudget: { limitCredits: 300, period: 'week' } }), 200);
    const { token } = await invite(server, owner.client, organization.id, 'newcomer@example.com', 'member');
    const visitor = new ApiClient(server.url);
    const preview = await visitor.get<InvitationPreview>(`/invitations/${token}`);
    expect(preview.body).toMatchObject({ organizationName: 'Studio Nord', email: 'newcomer@example.com', role: 'member', status: 'pending', hasAccount: false });

    const withoutAccount = await visitor.post('/invitations/accept', { token });
    expect(withoutAccount.status).toBe(401);
    expect(withoutAccount.body).toMatchObject({ code: 'unauthenticated', field: 'name' });

    const accepted = await visitor.post<OrganizationView>('/invitations/accept', { token, name: 'Newcomer', password: 'a long enough password' });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ id: organization.id, role: 'member' });
    const session = await visitor.get<{ csrfToken: string; user: { email: string } }>('/auth/session');
    expect(session.body.user.email).toBe('newcomer@example.com');
    visitor.csrfToken = session.body.csrfToken;
    const me = await visitor.get<MemberView>(`/orgs/${organization.id}/me`);
    expect(me.body.role).toBe('member');
    expect(me.body.budget).toMatchObject({ limitCredits: 300, period: 'week', remainingCredits: 300 });
  });

  it('gives those who invite the link the email carries, while the invitation is pending, and never to members', async () => {
    const { invitation, token } = await invite(server, owner.client, organization.id, 'linked@example.com', 'member');
    expect(invitation.link).toMatch(new RegExp(`/invitations/${token}$`));
    const listed = await owner.client.get<InvitationView[]>(`/orgs/${organization.id}/invitations`);
    expect(listed.body.find((candidate) => candidate.id === invitation.id)?.link).toBe(invitation.link);

    const member = await addMember(server, owner.client, organization.id, 'member', 'link-member');
    const forbidden = await member.client.get(`/orgs/${organization.id}/invitations`);
    expect(forbidden.status).toBe(403);

    // Used: the link is gone from the list (the invitation with it).
    const visitor = new ApiClient(server.url);
    expectStatus(await visitor.post('/invitations/accept', { token, name: 'Linked', password: 'a long enough password' }), 200);
    const after = await owner.client.get<InvitationView[]>(`/orgs/${organization.id}/invitations`);
    expect(after.body.map((candidate) => candidate.link)).not.toContain(invitation.link);
    const client = new pg.Client({ connectionString: server.database.url });
    await client.connect();
    const stored = await client.query<{ link_token: string | null }>('select link_token from invitations where id = $1', [invitation.id]);
    await client.end();
    expect(stored.rows[0]?.link_token).toBeNull();
  });

  it('accepts as an existing, signed-in user whose email was invited, and refuses someone else', async () => {
    const existing = await signedUp(server, 'existing');
    const stranger = await signedUp(server, 'stranger');
    const { token } = await invite(server, owner.client, organization.id, existing.email, 'viewer');
    const wrongPerson = await stranger.client.post('/invitations/accept', { token });
    expect(wrongPerson.status).toBe(403);
    expect(wrongPerson.body).toMatchObject({ code: 'invitation_email_mismatch' });
    const accepted = await existing.client.post<OrganizationView>('/invitations/accept', { token });
    expect(accepted.status).toBe(200);
    expect(accepted.body.role).toBe('viewer');
  });

  it('cannot be used twice', async () => {
    const first = await signedUp(server, 'once');
    const { token } = await invite(server, owner.client, organization.id, first.email, 'member');
    expectStatus(await first.client.post('/invitations/accept', { token }), 200);
    const again = await first.client.post('/invitations/accept', { token });
    expect(again.status).toBe(410);
    expect(again.body).toMatchObject({ code: 'invitation_used' });
  });

  it('cannot be used once revoked, and disappears from the pending list', async () => {
    const invitee = await signedUp(server, 'revoked');
    const { invitation, token } = await invite(server, owner.client, organization.id, invitee.email, 'member');
    expectStatus(await owner.client.delete(`/orgs/${organization.id}/invitations/${invitation.id}`), 204);
    const pending = await owner.client.get<{ id: string }[]>(`/orgs/${organization.id}/invitations`);
    expect(pending.body.map((candidate) => candidate.id)).not.toContain(invitation.id);
    const accept = await invitee.client.post('/invitations/accept', { token });
    expect(accept.status).toBe(410);
    expect(accept.body).toMatchObject({ code: 'invitation_revoked' });
  });

  it('cannot be used after it expires', async () => {
    const invitee = await signedUp(server, 'late');
    const { invitation, token } = await invite(server, owner.client, organization.id, invitee.email, 'member');
    const client = new pg.Client({ connectionString: server.database.url });
    await client.connect();
    await client.query(`update invitations set expires_at = now() - interval '1 minute' where id = $1`, [invitation.id]);
    await client.end();
    const preview = await invitee.client.get<InvitationPreview>(`/invitations/${token}`);
    expect(preview.body.status).toBe('expired');
    const accept = await invitee.client.post('/invitations/accept', { token });
    expect(accept.status).toBe(410);
    expect(accept.body).toMatchObject({ code: 'invitation_expired' });
  });

  it('only lets an owner invite an owner', async () => {
    const manager = await signedUp(server, 'manager');
    const { token } = await invite(server, owner.client, organization.id, manager.email, 'manager');
    expectStatus(await manager.client.post('/invitations/accept', { token }), 200);
    const attempt = await manager.client.post(`/orgs/${organization.id}/invitations`, { email: 'boss@example.com', role: 'owner' });
    expect(attempt.status).toBe(403);
    expect(attempt.body).toMatchObject({ code: 'forbidden', field: 'role' });
  });
});
