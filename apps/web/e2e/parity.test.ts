import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  collabFields,
  workspaceDocumentName,
  type BudgetView,
  type JobView,
  type MaskStroke,
  type MemberView,
  type PreflightView,
  type PricingContextView,
  type ProjectView,
  type SubmittedJobView,
  type WorkspaceView,
} from '@atelier/contracts';
import { operationsOffered, parseCatalog, qualityLevels, refusalStatus, type Catalog, type RefusalCode } from '@atelier/pricing';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { connect as collabConnect, createWorkspace, ticketFor, waitFor, type CollabPeer } from '../../server/test/collab/collab-client.js';
import { connect as socketConnect, cookieOf, type Connection } from '../../server/test/realtime/sockets.js';
import { addMember, buildWorld, expectStatus, submitAndWait, type OrganizationWorld } from '../../server/test/world.js';
import { snapshotOf } from '../../server/src/collab/workspace-document.js';
import { renderMask } from '../../server/src/jobs/mask-render.js';
import { assess, type Assessment } from '../src/lib/workspace/generation.js';

/**
 * The parity the workspace promises: at every state two editors leave in a shared document, what
 * the web app's code says under Generate (a price, or a refusal with its code and field) is what the
 * real server answers to preflight and to submit. Random sequences with a fixed seed, on real
 * Postgres, through the real collab server and sockets.
 */

type Edit =
  | { kind: 'set'; key: string; value: unknown }
  | { kind: 'delete'; key: string }
  | { kind: 'prompt'; text: string }
  | { kind: 'stroke' }
  | { kind: 'clear-mask' };

type Step =
  | { kind: 'edits'; first: Edit; second: Edit | undefined }
  | { kind: 'budget'; limitCredits: number | null; allowedModels: readonly string[] | null }
  | { kind: 'generate' };

const stroke: MaskStroke = { tool: 'brush', width: 180, points: [100, 100, 300, 260, 420, 140] };

describe('the workspace’s cost line, preflight and submit agree', () => {
  let app: TestApp;
  let world: OrganizationWorld;
  let catalog: Catalog;
  let tier: PricingContextView['tier'];
  let socket: Connection;
  let freeUnitsUsed: Record<string, number> = {};
  const sources = new Map<string, { width: number; height: number }>();
  const peers: CollabPeer[] = [];

  beforeAll(async () => {
    app = await startTestApp({ LOCAL_PROVIDER_LATENCY_MS: '0' });
    world = await buildWorld(app, 'parity');
    await app.grantCredits(world.organization.id, 200_000);
    const member = world.members.member.client;
    const context = await member.get<PricingContextView>(`/orgs/${world.organization.id}/pricing`);
    const parsed = parseCatalog(context.body.catalog);
    if (!parsed.ok) throw new Error('the catalog does not parse');
    catalog = parsed.catalog;
    tier = context.body.tier;
    for (const size of [512, 1024]) {
      const made = await submitAndWait(member, world.organization.id, {
        request: { operation: 'text-to-image', model: 'flux-schnell', width: size, height: size },
        prompt: `a ${String(size)} source`,
      });
      sources.set(made.assetIds[0] ?? '', { width: size, height: size });
    }
    socket = await socketConnect(app.url, { cookie: cookieOf(member) });
    const subscribed = await socket.subscribe(world.organization.id);
    if (!subscribed.ok) throw new Error('subscribe failed');
    freeUnitsUsed = subscribed.snapshot.freeUnitsUsed;
    socket.socket.on('free-usage', (event) => {
      freeUnitsUsed = event.freeUnitsUsed;
    });
  });

  afterAll(async () => {
    for (const peer of peers) peer.destroy();
    socket.close();
    await app.close();
  });

  function open(workspace: WorkspaceView, who: 'member' | 'owner'): CollabPeer {
    const client = world.members[who].client;
    const peer = collabConnect(app.url, workspaceDocumentName(workspace.id), async () => (await ticketFor(client, workspace.organizationId, workspace.id)).ticket);
    peers.push(peer);
    return peer;
  }

  function apply(peer: CollabPeer, edit: Edit): void {
    const settings = peer.doc.getMap(collabFields.settings);
    if (edit.kind === 'set') settings.set(edit.key, edit.value);
    else if (edit.kind === 'delete') settings.delete(edit.key);
    else if (edit.kind === 'prompt') {
      const text = peer.doc.getText(collabFields.prompt);
      peer.doc.transact(() => {
        text.delete(0, text.length);
        text.insert(0, edit.text);
      });
    } else if (edit.kind === 'stroke') peer.doc.getArray<MaskStroke>(collabFields.mask).push([stroke]);
    else peer.doc.getArray(collabFields.mask).delete(0, peer.doc.getArray(collabFields.mask).length);
  }

  /** What the web app computes under Generate for the document as it is now. */
  async function webAssessment(peer: CollabPeer): Promise<Assessment> {
    const organizationId = world.organization.id;
    const member = world.members.member.client;
    const snapshot = snapshotOf(peer.doc);
    const sourceId = typeof snapshot.settings.sourceAssetId === 'string' ? snapshot.settings.sourceAssetId : undefined;
    const sourceSize = sourceId === undefined ? undefined : sources.get(sourceId);
    const coverage = sourceSize === undefined || snapshot.mask.length === 0 ? 0 : (await renderMask(snapshot.mask, sourceSize.width, sourceSize.height)).coverage;
    const [pool, me, project, jobs] = await Promise.all([
      member.get<{ availableCredits: number }>(`/orgs/${organizationId}/pool`),
      member.get<MemberView>(`/orgs/${organizationId}/me`),
      member.get<ProjectView & { budget: BudgetView | null }>(`/orgs/${organizationId}/projects/${world.project.id}`),
      member.get<JobView[]>(`/orgs/${organizationId}/jobs?mine=true&limit=100`),
    ]);
    return assess(
      { settings: snapshot.settings, prompt: snapshot.prompt, maskCoverage: coverage, sourceSize },
      {
        poolAvailable: pool.body.availableCredits,
        budgetRemaining: me.body.budget.remainingCredits,
        budgetResetsAt: me.body.budget.resetsAt,
        projectRemaining: project.body.budget?.remainingCredits ?? null,
        projectResetsAt: project.body.budget?.resetsAt ?? null,
        allowedModels: me.body.allowedModels,
        canGenerate: true,
        tier,
        activeJobs: jobs.body.filter((job) => job.status === 'queued' || job.status === 'running').length,
        usage: { freeUnitsUsed },
      },
      catalog,
    );
  }

  const offered = (): string[] => operationsOffered(catalog);
  const editArbitrary = (): fc.Arbitrary<Edit> =>
    fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.constant('operation'), value: fc.constantFrom(...offered()) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.constant('model'), value: fc.constantFrom(...catalog.models.map((model) => model.id)) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.constant('quality'), value: fc.constantFrom(...qualityLevels) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom('model', 'quality', 'steps', 'sourceAssetId', 'outpaint', 'searchPrompt') }),
      fc.record({ kind: fc.constant('set' as const), key: fc.constant('steps'), value: fc.constantFrom(1, 4, 20, 25, 50) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.constant('variations'), value: fc.constantFrom(1, 2, 5) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.constant('width'), value: fc.constantFrom(1000, 4096) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.constant('sourceAssetId'), value: fc.constantFrom(...sources.keys()) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.constant('outpaint'), value: fc.constant({ left: 128, right: 0, top: 0, bottom: 0 }) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.constant('searchPrompt'), value: fc.constant('the sky') }),
      fc.record({ kind: fc.constant('prompt' as const), text: fc.constantFrom('', 'a fox in the snow', 'a red kite') }),
      fc.constant({ kind: 'stroke' as const }),
      fc.constant({ kind: 'clear-mask' as const }),
      fc.constantFrom(
        ...[
          [512, 512],
          [768, 768],
          [1024, 1024],
          [1024, 1440],
          [1440, 1440],
        ].map(([width, height]) => ({ kind: 'set' as const, key: 'size', value: { width, height } })),
      ),
    );
  const stepArbitrary = (): fc.Arbitrary<Step> =>
    fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('edits' as const), first: editArbitrary(), second: fc.option(editArbitrary(), { nil: undefined, freq: 2 }) }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('budget' as const),
          limitCredits: fc.constantFrom(null, 30, 5_000),
          allowedModels: fc.constantFrom(null, ['flux-schnell', 'flux-dev', 'huggingface-flux-dev']),
        }),
      },
      { weight: 2, arbitrary: fc.constant({ kind: 'generate' as const }) },
    );

  test('at every state, the same price or the same refusal code and field', { timeout: 600_000 }, async () => {
    const owner = world.members.owner.client;
    const member = world.members.member.client;
    const organizationId = world.organization.id;
    await addMember(app, owner, organizationId, 'member', 'parity-second');
    const sequences = fc.sample(fc.array(stepArbitrary(), { minLength: 8, maxLength: 12 }), { seed: 1414, numRuns: 10 });
    let states = 0;
    let submits = 0;
    const outcomes = new Map<string, number>();
    for (const [run, steps] of sequences.entries()) {
      const workspace = await createWorkspace(member, organizationId, world.project.id, `parity ${String(run)}`);
      const a = open(workspace, 'member');
      const b = open(workspace, 'owner');
      await Promise.all([a.synced(), b.synced()]);
      apply(a, { kind: 'prompt', text: 'a lighthouse at dusk' });
      for (const [index, step] of steps.entries()) {
        const where = `run ${String(run)} step ${String(index)} ${JSON.stringify(step)}`;
        if (step.kind === 'edits') {
          // Two editors at once: neither waits for the other's change.
          for (const [peer, edit] of [[a, step.first], [b, step.second]] as const) {
            if (edit === undefined) continue;
            if (edit.kind === 'set' && edit.key === 'size') {
              const size = edit.value as { width: number; height: number };
              peer.doc.transact(() => {
                apply(peer, { kind: 'set', key: 'width', value: size.width });
                apply(peer, { kind: 'set', key: 'height', value: size.height });
              });
            } else apply(peer, edit);
          }
        } else if (step.kind === 'budget') {
          expectStatus(
            await owner.put(`/orgs/${organizationId}/members/${world.members.member.userId}/budget`, {
              limitCredits: step.limitCredits,
              period: 'month',
              allowedModels: step.allowedModels,
            }),
            200,
          );
        }
        await waitFor(() => !a.provider.hasUnsyncedChanges && !b.provider.hasUnsyncedChanges, 10_000, 'both editors synced');
        await waitFor(() => JSON.stringify(snapshotOf(a.doc)) === JSON.stringify(snapshotOf(b.doc)), 10_000, 'the editors converge');

        const web = await webAssessment(a);
        const blockers = web.blockers.filter((blocker) => blocker.code !== 'loading');
        const checked = await member.post<PreflightView>(`/orgs/${organizationId}/preflight`, { workspaceId: workspace.id });
        states += 1;
        const outcome = web.estimate.ok ? (blockers[0]?.code ?? 'priced') : `unpriceable:${blockers[0]?.field ?? ''}`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (!web.estimate.ok) {
          expect(checked.status, where).toBe(400);
          expect((checked.body as unknown as { field: string }).field, where).toBe(blockers[0]?.field);
        } else {
          expect(checked.status, `${where}: ${JSON.stringify(checked.body)}`).toBe(200);
          expect(checked.body.request, where).toEqual(web.request);
          expect(checked.body.price.credits, where).toBe(web.estimate.credits);
          expect(checked.body.allowed, `${where}: ${JSON.stringify(checked.body.reasons)} vs ${JSON.stringify(blockers)}`).toBe(blockers.length === 0);
          expect(checked.body.reasons.map((reason) => [reason.code, reason.field]), where).toEqual(blockers.map((blocker) => [blocker.code, blocker.field]));
        }
        if (step.kind !== 'generate') continue;

        const prompt = snapshotOf(a.doc).prompt.trim();
        const submitted = await member.post<SubmittedJobView>(`/orgs/${organizationId}/jobs`, { workspaceId: workspace.id, request: web.request, prompt });
        submits += 1;
        const first = blockers[0];
        if (first === undefined && web.estimate.ok) {
          expect(submitted.status, `${where}: ${JSON.stringify(submitted.body)}`).toBe(201);
          expect(submitted.body.job.priceCredits, where).toBe(web.estimate.credits);
          // The job event follows the free-usage event on the same socket: the usage is current.
          await socket.waitFor('job', (event) => event.job.id === submitted.body.job.id);
        } else {
          const status = first === undefined ? 400 : refusalStatus(first.code as RefusalCode);
          expect(submitted.status, `${where}: ${JSON.stringify(submitted.body)} web ${JSON.stringify(web.request)} ${JSON.stringify(blockers)} doc ${JSON.stringify(snapshotOf(a.doc).settings)}`).toBe(status);
          expect((submitted.body as unknown as { code: string; field?: string }).code, where).toBe(first?.code ?? 'invalid_request');
          expect((submitted.body as unknown as { field?: string }).field, where).toBe(first?.field);
        }
      }
      a.destroy();
      b.destroy();
    }
    console.info(`parity: ${String(states)} states, ${String(submits)} submits compared; outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
    expect(states).toBeGreaterThan(80);
    // The sequences reach both sides of the line: priced and allowed, and refused for several reasons.
    expect(outcomes.get('priced') ?? 0).toBeGreaterThan(5);
    expect([...outcomes.keys()].filter((key) => key !== 'priced').length).toBeGreaterThan(3);
  });
});
