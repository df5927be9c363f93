import type { RecordedRequest, Reply } from './fake-http.js';
import { FakeAsyncProviderServer, type Accepted, type FakeTask, type Phase } from './fake-async-provider.js';

/**
 * A local stand-in for the WaveSpeed AI API as documented (wavespeed.ai/docs): Bearer auth;
 * POST /api/v3/media/upload/binary (multipart `file`) → `{ code, message, data: { download_url } }`;
 * POST /api/v3/{model route} (JSON) → `{ code: 200, message, data: { id, status: 'created', urls: { get } } }`;
 * GET /api/v3/predictions/{id}/result → `data.status` created | processing | completed (with
 * `outputs: [url]`) | failed (with `error`). Output URLs are CDN links that expire.
 */
export class FakeWavespeedServer extends FakeAsyncProviderServer {
  static readonly routes = new Set(['/api/v3/ideogram-ai/ideogram-v3-turbo', '/api/v3/wavespeed-ai/qwen-image/text-to-image', '/api/v3/wavespeed-ai/qwen-image/edit']);

  constructor(protected readonly apiKey: string) {
    super();
  }

  static start(apiKey: string): Promise<FakeWavespeedServer> {
    return new FakeWavespeedServer(apiKey).listen();
  }

  protected phaseOf(request: RecordedRequest): Phase | undefined {
    if (request.method === 'POST' && request.path === '/api/v3/media/upload/binary') return 'upload';
    if (request.method === 'POST' && FakeWavespeedServer.routes.has(request.path)) return 'submit';
    if (request.method === 'GET' && /^\/api\/v3\/predictions\/[^/]+\/result$/.test(request.path)) return 'poll';
    if (request.method === 'GET' && request.path.startsWith('/outputs/')) return 'download';
    return undefined;
  }

  protected authorized(request: RecordedRequest): boolean {
    return request.headers.authorization === `Bearer ${this.apiKey}`;
  }

  protected errorBody(status: number, message: string): object {
    return { code: status, message, data: null };
  }

  protected accept(request: RecordedRequest): Accepted | { refused: Reply } {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return { refused: { status: 400, body: this.errorBody(400, 'invalid JSON body') } };
    }
    if (typeof body.prompt !== 'string' || body.prompt === '') return { refused: { status: 400, body: this.errorBody(400, 'prompt is required') } };
    if (request.path.endsWith('/edit') && typeof body.image !== 'string') return { refused: { status: 400, body: this.errorBody(400, 'image is required') } };
    if (typeof body.size === 'string') {
      const [width, height] = body.size.split('*').map(Number);
      if (width === undefined || height === undefined || !Number.isInteger(width) || !Number.isInteger(height)) {
        return { refused: { status: 400, body: this.errorBody(400, 'size must be W*H') } };
      }
      return { body, width, height };
    }
    const ratios: Record<string, [number, number]> = { '1:1': [1024, 1024], '16:9': [1344, 768], '9:16': [768, 1344], '4:3': [1152, 864], '3:4': [864, 1152] };
    const size: [number, number] | undefined = typeof body.aspect_ratio === 'string' ? ratios[body.aspect_ratio] : [1024, 1024];
    if (size === undefined) return { refused: { status: 400, body: this.errorBody(400, 'unsupported aspect_ratio') } };
    return { body, width: size[0], height: size[1] };
  }

  protected override uploaded(url: string): object {
    return { code: 200, message: 'success', data: { type: 'image', download_url: url, filename: 'source.png', size: 1 } };
  }

  protected submitted(task: FakeTask, baseUrl: string): object {
    return { code: 200, message: 'success', data: { id: task.id, status: 'created', urls: { get: `${baseUrl}/api/v3/predictions/${task.id}/result` } } };
  }

  protected taskIdOf(request: RecordedRequest): string | undefined {
    return /^\/api\/v3\/predictions\/([^/]+)\/result$/.exec(request.path)?.[1];
  }

  protected pollAnswer(task: FakeTask, state: 'pending' | 'ready' | 'moderated' | 'failed', outputUrl: string): Reply {
    const data: Record<string, unknown> = { id: task.id, model: task.path.replace('/api/v3/', ''), outputs: [], created_at: new Date().toISOString() };
    if (state === 'pending') data.status = task.pendingLeft % 2 === 0 ? 'processing' : 'created';
    else if (state === 'ready') Object.assign(data, { status: 'completed', outputs: [outputUrl], timings: { inference: 1200 } });
    else if (state === 'moderated') Object.assign(data, { status: 'failed', error: 'The content was flagged as NSFW by the safety checker' });
    else Object.assign(data, { status: 'failed', error: 'CUDA out of memory' });
    return { status: 200, body: { code: 200, message: 'success', data } };
  }
}
