import { cleanup, render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AssetView, WorkspaceView } from '@atelier/contracts';
import AssetDetailPanel from './AssetDetailPanel.svelte';


import type { AssetDetail, GalleryAction } from './handoff.js';
import type { HandoffTarget } from './open-in-workspace.js';

const orgId = '11111111-1111-4111-8111-111111111111';
const assetId = '33333333-3333-4333-8333-333333333333';

function workspace(id: string, name: string): WorkspaceView {
  return { id, organizationId: orgId, projectId: '66666666-6666-4666-8666-666666666666', name, documentName: `workspace:${id}`, createdBy: orgId, createdAt: '2026-11-20T10:00:00.000Z' };
}
const hero = workspace('22222222-2222-4222-8222-222222222222', 'Hero images');
const social = workspace('77777777-7777-4777-8777-777777777777', 'Social posts');

const detail: AssetDetail = {
  asset: {
    id: assetId,
    jobId: '44444444-4444-4444-8444-444444444444',
    imageIndex: 1,
    url: `/api/orgs/${orgId}/assets/${assetId}/image`,
    thumbnails: [{ width: 256, url: `/api/orgs/${orgId}/assets/${assetId}/thumbnails/256` }],
    width: 1024,
    height: 768,
    bytes: 204_800,
    prompt: 'a lighthouse at dusk',
    negativePrompt: 'people',
    operation: 'text-to-image',
    modelId: 'flux-dev',
    provider: 'local',
    seed: 42,
    steps: 28,
    priceCredits: 56,
    freeTier: false,
    catalogId: 'default',
    catalogVersion: 1,
    author: { id: '55555555-5555-4555-8555-555555555555', name: 'Ada Lovelace' },
    projectId: null,
    workspaceId: social.id,
    parentAssetId: null,
    hasMask: false,
    createdAt: '2026-11-22T10:00:00.000Z',
  },
  settings: { request: { operation: 'text-to-image', model: 'flux-dev', width: 1024, height: 768, steps: 28, variations: 1 }, prompt: 'a lighthouse at dusk', negativePrompt: 'people', seed: 42 },
};

const onOpen = vi.fn((_asset: AssetView, _action: GalleryAction, _target: HandoffTarget) => Promise.resolve());

function setup(props: { canGenerate?: boolean; workspaces?: WorkspaceView[] } = {}) {
  render(AssetDetailPanel, {
    props: { detail, orgId, workspaces: props.workspaces ?? [hero, social], projectName: undefined, canGenerate: props.canGenerate ?? true, workspacesHref: `/orgs/${orgId}/workspaces`, onOpen },
  });
}

describe('AssetDetailPanel', () => {
  it('shows every setting that made the image, and its cost', () => {
    setup();
    const settings = within(screen.getByTestId('asset-settings'));
    expect(settings.getByText('56 credits')).toBeTruthy();
    expect(settings.getByText(/Flux\.1 \[dev\]/)).toBeTruthy();
    expect(settings.getByText('42')).toBeTruthy();
    expect(settings.getByText('1024 × 768 px')).toBeTruthy();
    expect(settings.getByText('28')).toBeTruthy();
    expect(screen.getByText('people')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Download PNG' }).getAttribute('href')).toBe(`${detail.asset.url}?download=1`);
  });

  beforeEach(() => {
    onOpen.mockClear();
  });

  it('opens a new workspace by default, so teammates’ work is never overwritten; or the one picked, with the action in the URL', async () => {
    setup();
    const user = userEvent.setup();
    expect(screen.getByLabelText<HTMLSelectElement>('Workspace').value).toBe('new');
    await user.click(screen.getByRole('button', { name: 'Remix' }));
    // The image's project when it has one, else the project of the workspace it was made in.
    expect(onOpen).toHaveBeenLastCalledWith(detail.asset, 'remix', { kind: 'new', projectId: social.projectId });
    await user.selectOptions(screen.getByLabelText('Workspace'), 'Hero images');
    expect(screen.getByText(/asks first/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Use these settings' }));
    expect(onOpen).toHaveBeenLastCalledWith(detail.asset, 'settings', { kind: 'existing', workspaceId: hero.id });
  });

  it('tells a team without workspaces how to get one, and viewers only download', () => {
    setup({ workspaces: [] });
    expect(screen.getByRole('link', { name: 'Create one' }).getAttribute('href')).toBe(`/orgs/${orgId}/workspaces`);
    cleanup();
    setup({ canGenerate: false });
    expect(screen.queryByRole('button', { name: 'Remix' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Download PNG' })).toBeTruthy();
  });
});
