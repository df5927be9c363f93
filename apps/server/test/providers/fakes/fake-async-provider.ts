import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { Script, startFakeHttpServer, type FakeHttpServer, type RecordedRequest, type Reply } from './fake-http.js';

/**
 * The shared scaffolding of a fake asynchronous image API (submit → poll → download an
 * expiring URL): scripts per phase, pending polls, tasks that end moderated or failed, result
 * URLs that work once and then expire, and the requests of each phase. Each provider's fake
 * only maps its documented paths and bodies onto `submit`, `poll` and `download`.
 */
export type FakeBehaviour =
  /** Answer this HTTP response instead. */
  | { kind: 'http'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answer. */
  | { kind: 'hang' }
  /** 200 with a body that is not JSON. */
  | { kind: 'malformed' };

export const behaviour = {
  rateLimited: (retryAfterSeconds: number, body: unknown = { message: 'Too many requests' }): FakeBehaviour => ({
    kind: 'http',
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body,
  }),
  serverError: (status = 500): FakeBehaviour => ({ kind: 'http', status, body: { message: 'Internal Server Error' } }),
  hang: (): FakeBehaviour => ({ kind: 'hang' }),
  malformed: (): FakeBehaviour => ({ kind: 'malformed' }),
};

/** A submission the fake took: its body and the output size it will render. */
export interface Accepted {
  body: Record<string, unknown>;
  width: number;
  height: number;
}

export interface FakeTask {
  id: string;
  path: string;
  body: Record<string, unknown>;
  pendingLeft: number;
  /** How the task ends when it stops pending. */
  outcome: 'ready' | 'moderated' | 'failed';
  outputId: string;
}

export type Phase = 'submit' | 'poll' | 'result' | 'download' | 'upload';

export abstract class FakeAsyncProviderServer {
  readonly scripts: Record<Phase, Script<FakeBehaviour>> = {
    submit: new Script(),
    poll: new Script(),
    result: new Script(),
    download: new Script(),
    upload: new Script(),
  };
  /** Polls that answer "still working" before a task ends. */
  pendingPolls = 0;
  /** How the next tasks end (one per task, then 'ready'). */
  readonly outcomes = new Script<FakeTask['outcome']>();
  readonly tasks = new Map<string, FakeTask>();
  /** Outputs not downloaded yet; a download removes it (the URL expires). */
  private readonly outputs = new Map<string, { width: number; height: number }>();
  protected server!: FakeHttpServer;

  protected abstract readonly apiKey: string;
  /** Which phase a request belongs to, or undefined for an unknown path (404). */
  protected abstract phaseOf(request: RecordedRequest): Phase | undefined;
  /** Whether the request carries the right credentials (downloads carry none). */
  protected abstract authorized(request: RecordedRequest): boolean;
  /** A documented error body for the fake's own errors. */
  protected abstract errorBody(status: number, message: string): object;
  /** Reads a submission: the task's path and body and the output size, or an error reply. */
  protected abstract accept(request: RecordedRequest): Accepted | { refused: Reply };
  /** The documented submit answer. */
  protected abstract submitted(task: FakeTask, baseUrl: string): object;
  /** The id in a poll request. */
  protected abstract taskIdOf(request: RecordedRequest): string | undefined;
  /** The documented poll answer for a task's state. */
  protected abstract pollAnswer(task: FakeTask, state: 'pending' | 'ready' | 'moderated' | 'failed', outputUrl: string): Reply;
  /** The documented answer of a separate result request (APIs that have one, like fal's response_url). */
  protected resultAnswer(_task: FakeTask, _outputUrl: string): Reply {
    return { status: 404, body: this.errorBody(404, 'no result endpoint') };
  }
  /** The documented upload answer. */
  protected uploaded(_url: string): object {
    return {};
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  async listen(): Promise<this> {
    this.server = await startFakeHttpServer((request, baseUrl) => this.handle(request, baseUrl));
    return this;
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  requests(phase: Phase): RecordedRequest[] {
    return this.server.requests.filter((request) => this.phaseOf(request) === phase);
  }

  /** The JSON body of the n-th submission. */
  submittedBody(index = 0): Record<string, unknown> {
    const request = this.requests('submit')[index];
    if (request === undefined) throw new Error(`no submission #${String(index)}`);
    return JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
  }

  private async handle(request: RecordedRequest, baseUrl: string): Promise<Reply> {
    const phase = this.phaseOf(request);
    if (phase === undefined) return { status: 404, body: this.errorBody(404, `no route ${request.method} ${request.path}`) };
    const scripted = this.scripts[phase].take();
    if (scripted !== undefined) {
      if (scripted.kind === 'hang') return 'hang';
      if (scripted.kind === 'malformed') return { status: 200, headers: { 'content-type': 'application/json' }, body: '<html>Bad gateway</html>' };
      return { status: scripted.status, body: scripted.body as object | string, ...(scripted.headers === undefined ? {} : { headers: scripted.headers }) };
    }
    if (phase !== 'download' && !this.authorized(request)) return { status: 401, body: this.errorBody(401, 'Unauthorized: invalid API key') };
    switch (phase) {
      case 'upload':
        return { status: 200, body: this.uploaded(`${baseUrl}/uploads/${randomUUID()}.png`) };
      case 'submit': {
        const accepted = this.accept(request);
        if ('refused' in accepted) return accepted.refused;
        const task: FakeTask = {
          id: randomUUID(),
          path: request.path,
          body: accepted.body,
          pendingLeft: this.pendingPolls,
          outcome: this.outcomes.take() ?? 'ready',
          outputId: randomUUID(),
        };
        this.tasks.set(task.id, task);
        this.outputs.set(task.outputId, { width: accepted.width, height: accepted.height });
        return { status: 200, body: this.submitted(task, baseUrl) };
      }
      case 'poll': {
        const task = this.tasks.get(this.taskIdOf(request) ?? '');
        if (task === undefined) return { status: 404, body: this.errorBody(404, 'prediction not found') };
        if (task.pendingLeft > 0) {
          task.pendingLeft -= 1;
          return this.pollAnswer(task, 'pending', '');
        }
        return this.pollAnswer(task, task.outcome, `${baseUrl}/outputs/${task.outputId}.jpeg`);
      }
      case 'result': {
        const task = this.tasks.get(this.taskIdOf(request) ?? '');
        if (task === undefined) return { status: 404, body: this.errorBody(404, 'request not found') };
        return this.resultAnswer(task, `${baseUrl}/outputs/${task.outputId}.jpeg`);
      }
      case 'download': {
        const outputId = request.path.replace(/^\/outputs\//, '').replace(/\.jpeg$/, '');
        const output = this.outputs.get(outputId);
        // Result URLs expire: a second download (or an unknown one) is a 404.
        if (output === undefined) return { status: 404, body: 'expired' };
        this.outputs.delete(outputId);
        return { status: 200, headers: { 'content-type': 'image/jpeg' }, body: await renderJpeg(output.width, output.height) };
      }
    }
  }

  /** Makes the next download of every current output 404 (their URLs expired). */
  expireOutputs(): void {
    this.outputs.clear();
  }
}

async function renderJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } }).jpeg().toBuffer();
}
