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
    '/fal-ai/flux-pro/v1/fill': '/fal-ai/flux-pro',
    '/fal-ai/flux-pro/kontext': '/fal-ai/flux-pro',
    '/fal-ai/qwen-image-edit': '/fal-ai/qwen-image-edit',
  };

  /** Edit models: their file inputs (a URL or, as we send, a base64 data URI); the output keeps the source's size. */
  static readonly edits: Record<string, readonly string[]> = {
    '/fal-ai/flux-pro/v1/fill': ['image_url', 'mask_url'],
    '/fal-ai/flux-pro/kontext': ['image_url'],
    '/fal-ai/qwen-image-edit': ['image_url'],
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
    const files = FakeFalServer.edits[request.path];
    if (files !== undefined) {
      const sizes = files.map((field) => pngSizeOf(body[field]));
      const missing = files.find((_field, index) => sizes[index] === undefined);
      if (missing !== undefined) return { refused: { status: 422, body: { detail: [{ loc: ['body', missing], msg: 'Could not load the image' }] } } };
      const [source] = sizes;
      if (source === undefined) return { refused: { status: 422, body: { detail: [{ loc: ['body', 'image_url'], msg: 'field required' }] } } };
      return { body, width: source.width, height: source.height };
    }
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
    const size = (task.body.image_size as { width: number; height: number } | undefined) ?? pngSizeOf(task.body.image_url) ?? { width: 0, height: 0 };
    return {
      status: 200,
      body: { images: [{ url: outputUrl, width: size.width, height: size.height, content_type: 'image/jpeg' }], has_nsfw_concepts: [task.outcome === 'moderated'], seed: task.body.seed, timings: { inference: 0.4 } },
    };
  }
}

/** The size of a PNG given as a base64 data URI (from its IHDR), or undefined when it is not one. */
function pngSizeOf(value: unknown): { width: number; height: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^data:image\/png;base64,(.+)$/.exec(value);
  if (match?.[1] === undefined) return undefined;
  const bytes = Buffer.from(match[1], 'base64');
  if (bytes.length < 24 || bytes.toString('latin1', 1, 4) !== 'PNG') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
