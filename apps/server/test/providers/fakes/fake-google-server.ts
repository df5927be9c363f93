import sharp from 'sharp';
import { Script, startFakeHttpServer, type FakeHttpServer, type RecordedRequest, type Reply } from './fake-http.js';
import type { FakeBehaviour } from './fake-async-provider.js';

const sizes: Record<string, [number, number]> = { '1:1': [1024, 1024], '3:4': [896, 1280], '4:3': [1280, 896], '9:16': [768, 1408], '16:9': [1408, 768] };

/**
 * A local stand-in for Imagen on the Gemini API as documented: POST
 * /v1beta/models/imagen-4.0-generate-001:predict with `x-goog-api-key` → `{ predictions: [{
 * bytesBase64Encoded, mimeType }] }`; a filtered image comes back as `{ raiFilteredReason }`
 * instead; errors are `{ error: { code, message, status } }`.
 */
export class FakeGoogleServer {
  readonly script = new Script<FakeBehaviour | { kind: 'filtered' }>();
  private server!: FakeHttpServer;

  private constructor(private readonly apiKey: string) {}

  static async start(apiKey: string): Promise<FakeGoogleServer> {
    const fake = new FakeGoogleServer(apiKey);
    fake.server = await startFakeHttpServer((request) => fake.handle(request));
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  get requests(): RecordedRequest[] {
    return this.server.requests;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(request: RecordedRequest): Promise<Reply> {
    const error = (code: number, status: string, message: string): Reply => ({ status: code, body: { error: { code, message, status } } });
    if (request.method !== 'POST' || request.path !== '/v1beta/models/imagen-4.0-generate-001:predict') return error(404, 'NOT_FOUND', 'model not found');
    const scripted = this.script.take();
    if (scripted?.kind === 'hang') return 'hang';
    if (scripted?.kind === 'malformed') return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"predictions": [' };
    if (scripted?.kind === 'http') return { status: scripted.status, body: scripted.body as object, ...(scripted.headers === undefined ? {} : { headers: scripted.headers }) };
    if (request.headers['x-goog-api-key'] !== this.apiKey) return error(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
    if (scripted?.kind === 'filtered') return { status: 200, body: { predictions: [{ raiFilteredReason: 'The prompt could not be submitted: it might violate our policies.' }] } };
    const body = JSON.parse(request.body.toString('utf8')) as { instances?: { prompt?: unknown }[]; parameters?: { aspectRatio?: string } };
    if (typeof body.instances?.[0]?.prompt !== 'string') return error(400, 'INVALID_ARGUMENT', 'prompt is required');
    const size = sizes[body.parameters?.aspectRatio ?? '1:1'];
    if (size === undefined) return error(400, 'INVALID_ARGUMENT', 'unsupported aspectRatio');
    const png = await sharp({ create: { width: size[0], height: size[1], channels: 3, background: { r: 20, g: 160, b: 90 } } }).png().toBuffer();
    return { status: 200, body: { predictions: [{ bytesBase64Encoded: png.toString('base64'), mimeType: 'image/png' }] } };
  }
}
