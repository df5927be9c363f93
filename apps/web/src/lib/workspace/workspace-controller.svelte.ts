import { page } from '$app/state';
import { goto } from '$app/navigation';
import type { AssetView, JobView, ProjectView, UserView, WorkspaceSnapshotView, WorkspaceView } from '@atelier/contracts';
import { operationInputs } from '@atelier/pricing';
import { api, unwrap } from '../api/client.js';
import { WorkspaceConnection } from '../collab/connection.svelte.js';
import { MaskModel } from '../collab/mask-model.js';
import { galleryActionLabels, readHandoff, settingsForAction, withoutHandoff, type WorkspaceSeed } from '../gallery/handoff.js';
import type { OrgState } from '../org-context.svelte.js';
import { providerStatus } from '../providers/provider-status.svelte.js';
import { assetDetail } from './asset-details.js';
import { DocumentState } from './document-state.svelte.js';
import { assess, defaultOperation, settingsFromSuggestion, type PricingContext } from './generation.js';

/** Someone with this workspace open (one per person, from the document's awareness). */
export interface PresentPerson {
  clientId: number;
  id: string;
  name: string;
  colour: string;
}

export interface WorkspaceInputs {
  org: OrgState;
  workspace: WorkspaceView;
  me: UserView;
  /** Read on every use: the page's props change. */
  pricing: () => PricingContext;
  project: () => ProjectView | undefined;
  onProjectChanged: (project: ProjectView) => void;
}

/** What an open workspace is made of: who, where, and its shared document (connection, document state, mask). */
class OpenWorkspace {
  readonly org: OrgState;
  readonly workspace: WorkspaceView;
  readonly me: UserView;
  readonly connection: WorkspaceConnection;
  readonly documentState: DocumentState;
  readonly mask: MaskModel;
  protected readonly inputs: WorkspaceInputs;

  constructor(inputs: WorkspaceInputs) {
    this.inputs = inputs;
    this.org = inputs.org;
    this.workspace = inputs.workspace;
    this.me = inputs.me;
    this.connection = new WorkspaceConnection(inputs.org.id, inputs.workspace.id, inputs.me);
    this.documentState = new DocumentState(this.connection.doc);
    this.mask = new MaskModel(this.connection.doc);
  }
}

/**
 * The state and actions of an open workspace, for the components that show it: the collab
 * connection, document and mask; who is here; the source image; the gallery hand-off and its undo;
 * the price and what blocks Generate; submit and cancel; the project's budget kept fresh; which
 * preview (canvas or result) is shown. Create it while a component initialises (its effects
 * belong to that component and end with it).
 */
export class WorkspaceController extends OpenWorkspace {

  maskCoverage = $state(0);
  source = $state<AssetView | undefined>();
  submitting = $state(false);
  submitError = $state<unknown>();
  handoffError = $state<unknown>();
  /** A hand-off waiting for a yes: it would replace what teammates already wrote. */
  pendingHandoff = $state<{ seed: WorkspaceSeed; action: string } | undefined>();
  /** What a hand-off replaced, so anyone here can put it back. */
  undoHandoff = $state<(() => void) | undefined>();
  /** What restoring a snapshot replaced (its name, and how to put it back). */
  undoRestore = $state<{ name: string; undo: () => void } | undefined>();
  people = $state<PresentPerson[]>([]);
  /** Which of the two the preview shows when there are both: the canvas, or the latest result. */
  preview = $state<'canvas' | 'result'>('canvas');

  private parentAssetId: string | undefined;

  readonly settings = $derived(this.documentState.settings);
  readonly readOnly = $derived(!this.connection.canWrite || !this.org.can('generate'));
  readonly catalog = $derived(this.inputs.pricing().catalog);
  /** The live value a manager's change pushed, else the one loaded with the page. */
  readonly allowedModels = $derived(
    this.org.realtime.allowedModels !== undefined ? this.org.realtime.allowedModels : (this.org.me?.allowedModels ?? null),
  );
  readonly assessment = $derived(this.assessNow());
  readonly operation = $derived(typeof this.assessment.request.operation === 'string' ? this.assessment.request.operation : defaultOperation);
  readonly needs = $derived(operationInputs(this.assessment.request.operation as Parameters<typeof operationInputs>[0]));
  /** Why Generate is disabled, without the passing "loading" state. */
  readonly blockers = $derived(this.assessment.blockers.filter((blocker) => blocker.code !== 'loading'));
  readonly canSubmit = $derived(this.assessment.blockers.length === 0 && this.connection.status === 'synced' && !this.submitting);
  readonly workspaceJobs = $derived(this.org.realtime.jobs.filter((job) => job.workspaceId === this.workspace.id));
  readonly latestResult = $derived(this.workspaceJobs.find((job) => job.status === 'succeeded' && job.assetIds.length > 0));
  /** The source (or mask) to work on, when the operation takes one and it is chosen. */
  readonly hasCanvas = $derived(
    this.needs.source && this.settings.sourceAssetId !== undefined && this.settings.width !== undefined && this.settings.height !== undefined,
  );
  readonly showing = $derived<'canvas' | 'result'>(!this.hasCanvas ? 'result' : this.latestResult === undefined ? 'canvas' : this.preview);
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- rebuilt whole by $derived, never mutated
  readonly names = $derived(new Map([...this.org.realtime.presence.map((entry) => [entry.userId, entry.name] as const), [this.me.id, this.me.name]]));

  constructor(inputs: WorkspaceInputs) {
    super(inputs);
    this.followPreview();
    this.followPresence();
    this.followSource();
    this.followHandoff();
    this.followProject();
    $effect(() => () => {
      this.mask.destroy();
      this.documentState.destroy();
      this.connection.destroy();
    });
  }

  /** The author's name as this workspace knows it ("You" for me). */
  authorName(userId: string): string {
    return userId === this.me.id ? 'You' : (this.names.get(userId) ?? 'A teammate');
  }

  pickSource(asset: AssetView): void {
    this.source = asset;
    this.documentState.update({ sourceAssetId: asset.id, width: asset.width, height: asset.height });
  }

  applySuggestion(): void {
    const suggestion = this.assessment.suggestion;
    if (suggestion === undefined) return;
    this.documentState.update(settingsFromSuggestion(suggestion.request));
  }

  applyHandoff(seed: WorkspaceSeed, undoable: boolean): void {
    const documentState = this.documentState;
    const before = {
      prompt: documentState.prompt,
      negativePrompt: documentState.negativePrompt,
      settings: Object.fromEntries([...documentState.settingsMap.entries()]) as Record<string, unknown>,
    };
    documentState.replaceAll(seed, () => {
      if (seed.clearMask) this.mask.clear();
    });
    this.parentAssetId = seed.parentAssetId;
    this.pendingHandoff = undefined;
    this.undoHandoff = undoable
      ? () => {
          documentState.replaceAll(before);
          this.parentAssetId = undefined;
          this.undoHandoff = undefined;
        }
      : undefined;
  }

  /** A snapshot back in the shared document: one change everyone sees, with an Undo here. */
  restoreSnapshot(snapshot: WorkspaceSnapshotView): void {
    const { documentState, mask } = this;
    const before = {
      prompt: documentState.prompt,
      negativePrompt: documentState.negativePrompt,
      settings: Object.fromEntries([...documentState.settingsMap.entries()]) as Record<string, unknown>,
      mask: mask.committed(),
    };
    documentState.replaceAll({ prompt: snapshot.document.prompt, negativePrompt: snapshot.document.negativePrompt, settings: snapshot.document.settings });
    mask.replaceAll(snapshot.document.mask);
    this.undoRestore = {
      name: snapshot.name,
      undo: () => {
        documentState.replaceAll(before);
        mask.replaceAll(before.mask);
        this.undoRestore = undefined;
      },
    };
  }

  async generate(): Promise<void> {
    if (!this.canSubmit) return;
    this.submitting = true;
    this.submitError = undefined;
    try {
      const realtime = this.org.realtime;
      const submitted = await unwrap(
        api.POST('/api/orgs/{orgId}/jobs', {
          params: { path: { orgId: this.org.id }, header: { 'Idempotency-Key': crypto.randomUUID() } },
          body: this.jobRequest(),
        }),
      );
      realtime.upsertJob(submitted.job);
      realtime.applyBalances(submitted.balances.pool);
    } catch (caught) {
      this.submitError = caught;
    } finally {
      this.submitting = false;
    }
  }

  async cancel(job: JobView): Promise<void> {
    try {
      this.org.realtime.upsertJob(await unwrap(api.POST('/api/orgs/{orgId}/jobs/{jobId}/cancel', { params: { path: { orgId: this.org.id, jobId: job.id } } })));
    } catch (caught) {
      this.submitError = caught;
      throw caught;
    }
  }

  /** The job to submit, from the shared document (the server builds the same request from it; the document wins). */
  private jobRequest() {
    const settings = this.settings;
    const needs = this.needs;
    const seed = settings.seed;
    const negativePrompt = this.documentState.negativePrompt;
    const searchPrompt = settings.searchPrompt?.trim() ?? '';
    return {
      request: this.assessment.request,
      prompt: this.documentState.prompt.trim(),
      ...(negativePrompt.trim() === '' ? {} : { negativePrompt }),
      ...(needs.searchPrompt && searchPrompt !== '' ? { searchPrompt } : {}),
      ...(seed === undefined ? {} : { seed }),
      projectId: this.workspace.projectId,
      workspaceId: this.workspace.id,
      ...(settings.sourceAssetId === undefined || !needs.source ? {} : { sourceAssetId: settings.sourceAssetId }),
      ...(this.parentAssetId === undefined ? {} : { parentAssetId: this.parentAssetId }),
    };
  }

  private assessNow() {
    const { org, me, settings, source } = this;
    const realtime = org.realtime;
    const project = this.inputs.project();
    const pricing = this.inputs.pricing();
    const activeJobs = realtime.jobs.filter((job) => job.authorId === me.id && (job.status === 'queued' || job.status === 'running')).length;
    return assess(
      {
        settings,
        prompt: this.documentState.prompt,
        maskCoverage: this.maskCoverage,
        sourceSize: source !== undefined && source.id === settings.sourceAssetId ? { width: source.width, height: source.height } : undefined,
      },
      {
        poolAvailable: realtime.pool?.availableCredits,
        budgetRemaining: realtime.budget === undefined ? undefined : realtime.budget.remainingCredits,
        budgetResetsAt: realtime.budget?.resetsAt,
        projectRemaining: project?.budget?.remainingCredits ?? null,
        projectResetsAt: project?.budget?.resetsAt ?? null,
        allowedModels: this.allowedModels,
        isAvailable: (modelId, operation) => providerStatus.available(modelId, operation),
        canGenerate: org.can('generate'),
        tier: pricing.tier,
        activeJobs,
        usage: { freeUnitsUsed: realtime.freeUnitsUsed },
      },
      pricing.catalog,
    );
  }

  /** A new result (mine or a teammate's) is shown as soon as it is done; another operation or source brings the canvas back. */
  private followPreview(): void {
    let seenResult: string | undefined;
    $effect(() => {
      const id = this.latestResult?.id;
      if (id !== undefined && seenResult !== undefined && id !== seenResult) this.preview = 'result';
      seenResult = id ?? '';
    });
    const canvasKey = $derived(`${this.operation}:${this.settings.sourceAssetId ?? ''}`);
    $effect(() => {
      if (canvasKey !== '') this.preview = 'canvas';
    });
  }

  /** Who is here (the org's presence says what they look at; the document's awareness who has it open). */
  private followPresence(): void {
    $effect(() => {
      this.org.realtime.lookAt(this.workspace.id);
      return () => {
        this.org.realtime.lookAt(null);
      };
    });
    $effect(() => {
      const awareness = this.connection.awareness;
      const update = (): void => {
        // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local set for one pass, not state
        const seen = new Set<string>();
        this.people = [...awareness.getStates().entries()].flatMap(([clientId, state]) => {
          const user = (state as { user?: { id?: string; name?: string; colour?: string } }).user;
          if (user?.id === undefined || seen.has(user.id)) return [];
          seen.add(user.id);
          return [{ clientId, id: user.id, name: user.name ?? 'Someone', colour: user.colour ?? '#888' }];
        });
      };
      awareness.on('change', update);
      update();
      return () => {
        awareness.off('change', update);
      };
    });
  }

  /** The source image's details (its prompt names it), when the document names one. */
  private followSource(): void {
    $effect(() => {
      const id = this.settings.sourceAssetId;
      if (id === undefined) {
        this.source = undefined;
        return;
      }
      if (this.source?.id === id) return;
      assetDetail(this.org.id, id)
        .then((detail) => {
          this.source = detail.asset;
        })
        .catch(() => {
          this.source = undefined;
        });
    });
  }

  /**
   * A hand-off from the gallery ("use these settings", remix, inpaint, outpaint): the gallery opens a
   * new workspace for it, which takes it at once. In a workspace that already holds someone's work
   * it waits for a yes, and whoever applied it can undo it.
   */
  private followHandoff(): void {
    let handoffRead = false;
    $effect(() => {
      if (this.connection.status !== 'synced' || handoffRead) return;
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a copy of the address to read, not state
      const handoff = readHandoff(new URL(page.url.href));
      if (handoff === undefined) return;
      handoffRead = true;
      void (async () => {
        try {
          const detail = await assetDetail(this.org.id, handoff.assetId);
          const seed = settingsForAction(detail, handoff.action, this.catalog);
          // eslint-disable-next-line svelte/no-navigation-without-resolve, svelte/prefer-svelte-reactivity -- this same page's address without the hand-off parameters
          await goto(withoutHandoff(new URL(page.url.href)), { state: page.state, shallow: true, replace: true });
          const documentState = this.documentState;
          const fresh = documentState.prompt.trim() === '' && documentState.settingsMap.size === 0 && this.mask.committed().length === 0;
          if (fresh) this.applyHandoff(seed, false);
          else this.pendingHandoff = { seed, action: galleryActionLabels[handoff.action] };
        } catch (caught) {
          this.handoffError = caught;
        }
      })();
    });
  }

  /** The project's budget moves as its jobs are held and captured: read it again when they change. */
  private followProject(): void {
    const projectRevision = $derived(this.workspaceJobs.filter((job) => job.status !== 'running').map((job) => `${job.id}:${job.status}`).join());
    $effect(() => {
      if (projectRevision === '' || this.inputs.project()?.budget == null) return;
      void unwrap(api.GET('/api/orgs/{orgId}/projects/{projectId}', { params: { path: { orgId: this.org.id, projectId: this.workspace.projectId } } }))
        .then(this.inputs.onProjectChanged)
        .catch(() => undefined);
    });
  }
}
