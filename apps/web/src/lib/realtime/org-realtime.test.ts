import type { JobView } from '@atelier/contracts';
import { describe, expect, test } from 'vitest';
import { OrgRealtime } from './org-realtime.svelte.js';

const organizationId = '00000000-0000-4000-8000-000000000001';
const pool = (availableCredits: number, version: string) => ({ organizationId, availableCredits, pendingCredits: 0, postedCredits: availableCredits, version });

function job(id: string, overrides: Partial<JobView> = {}): JobView {
  return {
    id,
    status: 'queued',
    operation: 'text-to-image',
    modelId: 'flux-dev',
    provider: 'local',
    prompt: 'a fox',
    negativePrompt: null,
    seed: 1,
    variations: 1,
    width: 512,
    height: 512,
    steps: 25,
    unitCredits: 12,
    priceCredits: 12,
    capturedCredits: null,
    freeUnits: 0,
    catalogId: 'default',
    catalogVersion: 1,
    authorId: '00000000-0000-4000-8000-000000000002',
    projectId: null,
    workspaceId: null,
    imagesDone: 0,
    progressPercent: 0,
    queuePosition: 1,
    error: null,
    assetIds: [],
    cancelRequestedAt: null,
    cancel: null,
    refundedCredits: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

describe('live organization state', () => {
  test('a balance older than the one held is dropped; an equal or newer one applies', () => {
    const live = new OrgRealtime(organizationId);
    live.applyPool(pool(100, '10'));
    live.applyPool(pool(80, '9'));
    expect(live.pool?.availableCredits).toBe(100);
    live.applyPool(pool(70, '11'));
    expect(live.pool?.availableCredits).toBe(70);
    live.applyBalances({ availableCredits: 90, pendingCredits: 0, version: '10' });
    expect(live.pool?.availableCredits).toBe(70);
    live.applyPool({ ...pool(1, '99'), organizationId: '00000000-0000-4000-8000-000000000009' });
    expect(live.pool?.availableCredits).toBe(70);
  });

  test('the server saying its database is down shows until it says it is back, which asks for a fresh snapshot', () => {
    const live = new OrgRealtime(organizationId);
    expect(live.applyService({ database: 'up', since: '2026-01-01T00:00:00.000Z' })).toBe(false);
    expect(live.service).toBeUndefined();
    expect(live.applyService({ database: 'down', workers: 'paused', since: '2026-01-01T00:00:01.000Z' })).toBe(false);
    expect(live.service?.database).toBe('down');
    expect(live.applyService({ database: 'up', workers: 'paused', since: '2026-01-01T00:00:02.000Z' })).toBe(false);
    expect(live.service?.workers).toBe('paused');
    expect(live.applyService({ database: 'up', workers: 'running', since: '2026-01-01T00:00:03.000Z' })).toBe(true);
    expect(live.service).toBeUndefined();
  });

  test('a late job event does not undo progress, and jobs stay newest first', () => {
    const live = new OrgRealtime(organizationId);
    live.upsertJob(job('a', { createdAt: '2026-01-01T00:00:00.000Z' }));
    live.upsertJob(job('b', { createdAt: '2026-01-02T00:00:00.000Z' }));
    live.upsertJob(job('a', { status: 'succeeded', progressPercent: 100, assetIds: ['x'] }));
    live.upsertJob(job('a', { status: 'running', progressPercent: 50 }));
    expect(live.jobs.map((candidate) => [candidate.id, candidate.status])).toEqual([
      ['b', 'queued'],
      ['a', 'succeeded'],
    ]);
  });

  test('a budget pushed after a manager\'s change carries my allowed models; one after a job leaves them', () => {
    const realtime = new OrgRealtime(organizationId);
    const budget = { limitCredits: 100, period: 'month' as const, spentCredits: 0, pendingCredits: 0, remainingCredits: 100, resetsAt: null };
    realtime.applyBudget({ organizationId, userId: 'u', budget, version: '3', allowedModels: ['flux-schnell'] });
    expect(realtime.allowedModels).toEqual(['flux-schnell']);
    expect(realtime.budget?.limitCredits).toBe(100);
    realtime.applyBudget({ organizationId, userId: 'u', budget: { ...budget, spentCredits: 10, remainingCredits: 90 }, version: '4' });
    expect(realtime.allowedModels).toEqual(['flux-schnell']);
    expect(realtime.budget?.remainingCredits).toBe(90);
    realtime.applyBudget({ organizationId, userId: 'u', budget, version: '4', allowedModels: null });
    expect(realtime.allowedModels).toBeNull();
  });

  test('a presence batch applies in order: joins, a workspace change in place, a quick leave and rejoin', () => {
    const live = new OrgRealtime(organizationId);
    const person = (connectionId: string, workspaceId: string | null = null) => ({ connectionId, userId: `user-${connectionId}`, name: connectionId, workspaceId });
    live.applyPresence([{ kind: 'join', ...person('a') }, { kind: 'join', ...person('b') }, { kind: 'join', ...person('a') }]);
    expect(live.presence.map((entry) => entry.connectionId)).toEqual(['a', 'b']);
    live.applyPresence([{ kind: 'update', ...person('a', 'ws-1') }, { kind: 'leave', ...person('b') }, { kind: 'join', ...person('c') }, { kind: 'leave', ...person('c') }, { kind: 'join', ...person('c', 'ws-2') }]);
    expect(live.presence).toEqual([person('a', 'ws-1'), person('c', 'ws-2')]);
  });
});
