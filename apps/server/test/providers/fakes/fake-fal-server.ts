import type { RecordedRequest, Reply } from './fake-http.js';
import { FakeAsyncProviderServer, type Accepted, type FakeTask, type Phase } from './fake-async-provider.js';

/**
 * A local stand-in for fal's queue API as documented (docs.fal.ai/model-endpoints/queue):
 * `Authorization: Key …`; POST /{model id}[/{subpath}] → `{ request_id, status_url, response_url }`;
 * GET /{model id}/requests/{id}/status → `{ status: IN_QUEUE | IN_PROGRESS | COMPLETED }`;
 * GET /{model id}/requests/{id} → `{ images: [{ url, width, height }], has_nsfw_concepts, seed }`.
 * Status and result paths drop the subpath (`fal-ai/flux`, not `fal-ai/flux/schnell`).
 */
export class FakeFalServer extends FakeAsyncProviderServer {
  static readonly models: Record<string, string> = {
    '/fal-ai/flux/schnell': '/fal-ai/flux',
    '/fal-ai/flux-realism': '/fal-ai/flux-realism',
    '/fal-ai/flux/dev': '/fal-ai/flux',
    '/fal-ai/flux-pro/new': '/fal-ai/flux-pro',
    '/fal-ai/flux-pro/v1.1': '/fal-ai/flux-pro',
    '/fal-ai/qwen-image': '/fal-ai/qwen-image',
    '/fal-ai/stable-diffusion-v35-large': '/fal-ai/stable-diffusion-v35-large',
    '/fal-ai/ideogram/v3': '/fal-ai/ideogram',
  };

  constructor(protected readonly apiKey: string) {
    super();
  }

  static start(apiKey: string): Promise<FakeFalServer> {
    return new FakeFalServer(apiKey).listen();
  }

  protected phaseOf(request: RecordedRequest): Phase | undefined {
    if (request.method === 'POST' && FakeFalServer.models[request.path] !== undefined) return 'submit';
    if (request.method === 'GET' && /^\/fal-ai\/[^/]+\/requests\/[^/]+\/status$/.test(request.path)) return 'poll';
    if (request.method === 'GET' && /^\/fal-ai\/[^/]+\/requests\/[^/]+$/.test(request.path)) return 'result';
    if (request.method === 'GET' && request.path.startsWith('/outputs/')) return 'download';
    return undefined;
  }

  protected authorized(request: RecordedRequest): boolean {
    return request.headers.authorization === `Key ${this.apiKey}`;
  }

  protected errorBody(_status: number, message: string): object {
    return { detail: message };
  }

  protected accept(request: RecordedRequest): Accepted | { refused: Reply } {
    const body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
    const size = body.image_size as { width?: unknown; height?: unknown } | undefined;
    if (typeof body.prompt !== 'string' || body.prompt === '') return { refused: { status: 422, body: { detail: [{ loc: ['body', 'prompt'], msg: 'field required' }] } } };
    if (typeof size?.width !== 'number' || typeof size.height !== 'number') return { refused: { status: 422, body: { detail: [{ loc: ['body', 'image_size'], msg: 'invalid' }] } } };
    return { body, width: size.width, height: size.height };
  }

  protected submitted(task: FakeTask, baseUrl: string): object {
    const app = FakeFalServer.models[task.path] ?? '';
    return {
      request_id: task.id,
      status_url: `${baseUrl}${app}/requests/${task.id}/status`,
      response_url: `${baseUrl}${app}/requests/${task.id}`,
      cancel_url: `${baseUrl}${app}/requests/${task.id}/cancel`,
    };
  }

  protected taskIdOf(request: RecordedRequest): string | undefined {
    return /\/requests\/([^/]+)/.exec(request.path)?.[1];
  }

  protected pollAnswer(task: FakeTask, state: 'pending' | 'ready' | 'moderated' | 'failed'): Reply {
    if (state === 'pending') return { status: 202, body: { status: task.pendingLeft % 2 === 0 ? 'IN_PROGRESS' : 'IN_QUEUE', queue_position: task.pendingLeft } };
    if (state === 'failed') return { status: 200, body: { status: 'FAILED' } };
    task.outcome = state; // the result tells moderated from ready
    return { status: 200, body: { status: 'COMPLETED' } };
  }

  protected override resultAnswer(task: FakeTask, outputUrl: string): Reply {
    const size = task.body.image_size as { width: number; height: number };
    return {
      status: 200,
      body: { images: [{ url: outputUrl, width: size.width, height: size.height, content_type: 'image/jpeg' }], has_nsfw_concepts: [task.outcome === 'moderated'], seed: task.body.seed, timings: { inference: 0.4 } },
    };
  }
}
