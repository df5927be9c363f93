import { Script, startFakeHttpServer, type FakeHttpServer, type RecordedRequest, type Reply } from './fake-http.js';
import type { FakeBehaviour } from './fake-async-provider.js';

/**
 * The shared scaffolding of a fake synchronous image API (one request answers the image itself,
 * as base64 in JSON): a script for the next answers (429, 5xx, hang, malformed), outcomes per
 * call (made or refused by moderation), key checks and the requests it got. Each provider's fake
 * maps its documented paths, bodies and answers onto `accept` and `answer`.
 */
export abstract class FakeSyncProviderServer {
  /** Next N calls answer these instead. */
  readonly script = new Script<FakeBehaviour>();
  /** How the next calls end (one per call, then 'ready'). */
  readonly outcomes = new Script<'ready' | 'moderated'>();
  protected server!: FakeHttpServer;

  protected abstract readonly apiKey: string;
  /** Whether the request is a generation call (others are 404). */
  protected abstract isCall(request: RecordedRequest): boolean;
  protected abstract authorized(request: RecordedRequest): boolean;
  /** The documented answer to a missing or wrong key. */
  protected abstract unauthorized(): Reply;
  /** The documented answer to a call: the image, a refusal, or a validation error. */
  protected abstract answer(request: RecordedRequest, outcome: 'ready' | 'moderated'): Promise<Reply>;

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  get requests(): RecordedRequest[] {
    return this.server.requests;
  }

  calls(): RecordedRequest[] {
    return this.server.requests.filter((request) => this.isCall(request));
  }

  async listen(): Promise<this> {
    this.server = await startFakeHttpServer((request) => this.handle(request));
    return this;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(request: RecordedRequest): Promise<Reply> {
    if (!this.isCall(request)) return { status: 404, body: { error: { message: `no route ${request.method} ${request.path}` } } };
    const scripted = this.script.take();
    if (scripted?.kind === 'hang') return 'hang';
    if (scripted?.kind === 'malformed') return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"data": [' };
    if (scripted?.kind === 'http') return { status: scripted.status, body: scripted.body as object, ...(scripted.headers === undefined ? {} : { headers: scripted.headers }) };
    if (!this.authorized(request)) return this.unauthorized();
    return this.answer(request, this.outcomes.take() ?? 'ready');
  }
}
