import sharp from 'sharp';
import { Script, startFakeHttpServer, type FakeHttpServer, type RecordedRequest, type Reply } from './fake-http.js';
import type { FakeBehaviour } from './fake-async-provider.js';

/**
 * A local stand-in for Hugging Face Inference's text-to-image task as documented: POST
 * /hf-inference/models/{owner}/{model} with `Authorization: Bearer hf_…` and
 * `{ inputs, parameters }` → the image bytes (JPEG here); errors are `{ error }`, a loading model
 * 503 with `estimated_time`.
 */
export class FakeHuggingFaceServer {
  readonly script = new Script<FakeBehaviour | { kind: 'loading'; estimatedSeconds: number } | { kind: 'nsfw' }>();
  private server!: FakeHttpServer;

  private constructor(private readonly apiKey: string) {}

  static async start(apiKey: string): Promise<FakeHuggingFaceServer> {
    const fake = new FakeHuggingFaceServer(apiKey);
    fake.server = await startFakeHttpServer((request) => fake.handle(request));
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  get requests(): RecordedRequest[] {
    return this.server.requests;
  }

  body(index = 0): Record<string, unknown> {
    return JSON.parse(this.server.requests[index]?.body.toString('utf8') ?? '{}') as Record<string, unknown>;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(request: RecordedRequest): Promise<Reply> {
    if (request.method !== 'POST' || request.path !== '/hf-inference/models/black-forest-labs/FLUX.1-dev') return { status: 404, body: { error: 'Model not found' } };
    const scripted = this.script.take();
    if (scripted?.kind === 'hang') return 'hang';
    if (scripted?.kind === 'malformed') return { status: 200, headers: { 'content-type': 'image/jpeg' }, body: 'not an image' };
    if (scripted?.kind === 'http') return { status: scripted.status, body: scripted.body as object, ...(scripted.headers === undefined ? {} : { headers: scripted.headers }) };
    if (scripted?.kind === 'loading') return { status: 503, body: { error: 'Model black-forest-labs/FLUX.1-dev is currently loading', estimated_time: scripted.estimatedSeconds } };
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) return { status: 401, body: { error: 'Invalid credentials in Authorization header' } };
    if (scripted?.kind === 'nsfw') return { status: 400, body: { error: 'NSFW content detected. Try a different prompt.' } };
    const body = JSON.parse(request.body.toString('utf8')) as { inputs?: unknown; parameters?: { width?: number; height?: number } };
    if (typeof body.inputs !== 'string' || body.inputs === '') return { status: 422, body: { error: 'Input should be a valid string: inputs' } };
    const width = body.parameters?.width ?? 1024;
    const height = body.parameters?.height ?? 1024;
    const jpeg = await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } }).jpeg().toBuffer();
    return { status: 200, headers: { 'content-type': 'image/jpeg' }, body: jpeg };
  }
}
