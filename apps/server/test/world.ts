import type { BoardView, CommentView, CreatedReviewLinkView, CreatedApiKeyView, InvitationView, JobView, OrganizationView, ProjectView, Role, SessionView, SubmittedJobView } from '@atelier/contracts';
import type { TestApp } from './app.js';
import { ApiClient } from './client.js';

export interface Member {
  client: ApiClient;
  userId: string;
  email: string;
}

/** One organization with a member of every role, a project, a pending invitation and an API key. */
export interface OrganizationWorld {
  organization: OrganizationView;
  members: Record<Role, Member>;
  project: ProjectView;
  invitation: InvitationView;
  invitationToken: string;
  apiKey: CreatedApiKeyView;
  /** A finished text-to-image job of the member, and its image. */
  job: JobView;
  assetId: string;
  /** The owner's board holding that image, the member's comment on it, and a review link to the board. */
  boardId: string;
  commentId: string;
  reviewLink: CreatedReviewLinkView;
}

let counter = 0;

export async function signedUp(server: TestApp, label: string): Promise<Member> {
  counter += 1;
  const email = `${label}-${String(counter)}-${String(Date.now())}@example.com`;
  const client = new ApiClient(server.url);
  const session: SessionView = await client.signUp(email, label);
  return { client, userId: session.user.id, email };
}

/** A new owner with a new organization, its pool granted `credits`. */
export async function fundedOrganization(server: TestApp, label: string, name: string, credits: number): Promise<{ owner: Member; organization: OrganizationView }> {
  const owner = await signedUp(server, label);
  const created = await owner.client.post<OrganizationView>('/orgs', { name });
  expectStatus(created, 201);
  await server.grantCredits(created.body.id, credits);
  return { owner, organization: created.body };
}

export function expectStatus(response: { status: number; body: unknown }, status: number): void {
  if (response.status !== status) {
    throw new Error(`expected ${String(status)}, got ${String(response.status)}: ${JSON.stringify(response.body)}`);
  }
}

/** Invites `email` as `role` and returns the token from the emailed link. */
export async function invite(server: TestApp, by: ApiClient, organizationId: string, email: string, role: Role): Promise<{ invitation: InvitationView; token: string }> {
  const response = await by.post<InvitationView>(`/orgs/${organizationId}/invitations`, { email, role });
  expectStatus(response, 201);
  const mail = server.outbox.findLast((candidate) => candidate.to === email);
  const token = /invitations\/([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
  if (token === undefined) throw new Error(`no invitation mail for ${email}`);
  return { invitation: response.body, token };
}

export async function addMember(server: TestApp, owner: ApiClient, organizationId: string, role: Role, label: string = role): Promise<Member> {
  const member = await signedUp(server, label);
  const { token } = await invite(server, owner, organizationId, member.email, role);
  expectStatus(await member.client.post('/invitations/accept', { token }), 200);
  return member;
}

export async function buildWorld(server: TestApp, name: string): Promise<OrganizationWorld> {
  const owner = await signedUp(server, `${name}-owner`);
  const created = await owner.client.post<OrganizationView>('/orgs', { name });
  expectStatus(created, 201);
  const organization = created.body;
  const manager = await addMember(server, owner.client, organization.id, 'manager', `${name}-manager`);
  const member = await addMember(server, owner.client, organization.id, 'member', `${name}-member`);
  const viewer = await addMember(server, owner.client, organization.id, 'viewer', `${name}-viewer`);
  const project = await owner.client.post<ProjectView>(`/orgs/${organization.id}/projects`, { name: `${name} launch` });
  expectStatus(project, 201);
  const { invitation, token } = await invite(server, owner.client, organization.id, `${name}-invitee-${String(Date.now())}@example.com`, 'member');
  const apiKey = await member.client.post<CreatedApiKeyView>(`/orgs/${organization.id}/api-keys`, { name: 'script' });
  expectStatus(apiKey, 201);
  await server.grantCredits(organization.id, 10_000);
  const job = await submitAndWait(member.client, organization.id, { request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 }, prompt: `${name} test image`, seed: 7 });
  const assetId = job.assetIds[0];
  if (job.status !== 'succeeded' || assetId === undefined) throw new Error(`world job did not succeed: ${JSON.stringify(job)}`);
  const board = await owner.client.post<BoardView>(`/orgs/${organization.id}/boards`, { name: `${name} board` });
  expectStatus(board, 201);
  expectStatus(await owner.client.post(`/orgs/${organization.id}/boards/${board.body.id}/items`, { assetIds: [assetId] }), 200);
  const comment = await member.client.post<CommentView>(`/orgs/${organization.id}/assets/${assetId}/comments`, { body: `${name} first comment`, pin: { x: 0.5, y: 0.5 } });
  expectStatus(comment, 201);
  const reviewLink = await owner.client.post<CreatedReviewLinkView>(`/orgs/${organization.id}/boards/${board.body.id}/links`, { mode: 'review', expiresInDays: 7 });
  expectStatus(reviewLink, 201);
  return {
    boardId: board.body.id,
    commentId: comment.body.id,
    reviewLink: reviewLink.body,
    organization,
    members: { owner, manager, member, viewer },
    job,
    assetId,
    project: project.body,
    invitation,
    invitationToken: token,
    apiKey: apiKey.body,
  };
}

/** Submits a job and polls until it has finished (succeeded, failed or cancelled). */
export async function submitAndWait(client: ApiClient, organizationId: string, body: unknown, timeoutMs = 30_000): Promise<JobView> {
  const submitted = await client.post<SubmittedJobView>(`/orgs/${organizationId}/jobs`, body);
  expectStatus(submitted, 201);
  return waitForJob(client, organizationId, submitted.body.job.id, timeoutMs);
}

export async function waitForJob(client: ApiClient, organizationId: string, jobId: string, timeoutMs = 30_000, until: (job: JobView) => boolean = (job) => ['succeeded', 'failed', 'cancelled'].includes(job.status)): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await client.get<JobView>(`/orgs/${organizationId}/jobs/${jobId}`);
    expectStatus(response, 200);
    if (until(response.body)) return response.body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${response.body.status} after ${String(timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
