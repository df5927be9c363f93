import { randomUUID } from 'node:crypto';
import sharp from 'sharp';

import { Script, startFakeHttpServer, type FakeHttpServer, type RecordedRequest, type Reply } from './fake-http.js';


type Sharp = ReturnType<typeof sharp>;
/**
 * A local stand-in for the Black Forest Labs API, following its documented requests and answers:
 * POST /v1/{model} with `x-key` and a JSON body → `{ id, polling_url }`; GET the polling URL →
 * `{ id, status: 'Pending' | 'Ready' | 'Request Moderated' | 'Content Moderated' | 'Error' | 'Task not found', result }`;
 * `result.sample` is a pre-signed URL to the image (JPEG by default, as BFL's default output is).
 * Validation errors answer 422 with FastAPI's `{ detail: [{ loc, msg, type }] }`.
 */

export type BflBehaviour =
  /** Answer this HTTP response instead. */
  | { kind: 'http'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answer. */
  | { kind: 'hang' }
  /** (polls) Answer this task status with `result: null`. */
  | { kind: 'task-status'; status: 'Request Moderated' | 'Content Moderated' | 'Error' | 'Task not found' };

export const bfl = {
  rateLimited: (retryAfterSeconds: number): BflBehaviour => ({
    kind: 'http',
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: { error: 'rate_limit_exceeded', message: 'Too many concurrent requests', retry_after: retryAfterSeconds },
  }),
  serverError: (): BflBehaviour => ({ kind: 'http', status: 500, body: { detail: 'Internal Server Error' } }),
  unavailable: (): BflBehaviour => ({ kind: 'http', status: 503, body: { detail: 'Service Unavailable' } }),
  hang: (): BflBehaviour => ({ kind: 'hang' }),
  requestModerated: (): BflBehaviour => ({ kind: 'task-status', status: 'Request Moderated' }),
  contentModerated: (): BflBehaviour => ({ kind: 'task-status', status: 'Content Moderated' }),
  taskError: (): BflBehaviour => ({ kind: 'task-status', status: 'Error' }),
  taskNotFound: (): BflBehaviour => ({ kind: 'task-status', status: 'Task not found' }),
};

export interface FakeBflServerOptions {
  apiKey: string;
  /** Format of every sample; by default the request's `output_format` (BFL's default: jpeg). */
  sampleFormat?: 'jpeg' | 'png' | 'webp';
}

interface Task {
  id: string;
  endpoint: string;
  body: Record<string, unknown>;
  pendingLeft: number;
  signature: string;
  cost: number;
}

const textToImageEndpoints = new Set(['/v1/flux-dev', '/v1/flux-pro', '/v1/flux-pro-1.1']);
/** FLUX.2: text-to-image, or an edit with `input_image` (and up to 7 more references); explicit width and height. */
const flux2Endpoints = new Set(['/v1/flux-2-pro', '/v1/flux-2-flex']);
const kontextPath = '/v1/flux-kontext-pro';

/** BFL credits (1 = $0.01) a task costs, per its published price list. */
export function fakeBflCost(endpoint: string, body: Record<string, unknown>, inputMegapixels: number): number {
  const outputMp = typeof body.width === 'number' && typeof body.height === 'number' ? (body.width * body.height) / 1_000_000 : 1;
  if (endpoint === '/v1/flux-2-pro') return 3 + 1.5 * Math.max(0, Math.ceil(outputMp) - 1) + 1.5 * Math.ceil(inputMegapixels);
  if (endpoint === '/v1/flux-2-flex') return 5 * Math.ceil(outputMp) + 5 * Math.ceil(inputMegapixels);
  if (endpoint === kontextPath) return 4;
  return 2.5;
}

export class FakeBflServer {
  /** Next N submissions (POST /v1/…) answer these. */
  readonly submitScript = new Script<BflBehaviour>();
  /** Next N polls (GET /v1/get_result) answer these. */
  readonly pollScript = new Script<BflBehaviour>();
  /** Next N sample downloads answer these. */
  readonly sampleScript = new Script<BflBehaviour>();
  /** Each new task answers `Pending` this many times before `Ready`. */
  pendingPolls = 0;
  private readonly tasks = new Map<string, Task>();

  private constructor(
    private readonly http: FakeHttpServer,
    private readonly options: FakeBflServerOptions,
  ) {}

  static async start(options: FakeBflServerOptions): Promise<FakeBflServer> {
    // The handler needs the instance and the instance the server: filled in once it listens.
    const holder: { fake?: FakeBflServer } = {};
    const http = await startFakeHttpServer((request, baseUrl) => {
      if (holder.fake === undefined) throw new Error('not started');
      return holder.fake.handle(request, baseUrl);
    });
    const fake = new FakeBflServer(http, options);
    holder.fake = fake;
    return fake;
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  get requests(): RecordedRequest[] {
    return this.http.requests;
  }

  submissions(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'POST');
  }

  polls(): RecordedRequest[] {
    return this.requests.filter((request) => request.path === '/v1/get_result');
  }

  downloads(): RecordedRequest[] {
    return this.requests.filter((request) => request.path.startsWith('/samples/'));
  }

  /** The JSON body of the n-th submission. */
  submittedBody(index = 0): Record<string, unknown> {
    const request = this.submissions()[index];
    if (request === undefined) throw new Error(`no submission #${index}`);
    return JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async handle(request: RecordedRequest, baseUrl: string): Promise<Reply> {
    if (request.path.startsWith('/samples/')) return this.sample(request);
    const auth = this.checkKey(request);
    if (auth !== undefined) return auth;
    if (request.method === 'POST' && request.path.startsWith('/v1/')) return this.submit(request, baseUrl);
    if (request.method === 'GET' && request.path === '/v1/get_result') return this.poll(request, baseUrl);
    return { status: 404, body: { detail: 'Not Found' } };
  }

  private checkKey(request: RecordedRequest): Reply | undefined {
    const key = request.headers['x-key'];
    if (key === undefined || key === '') return { status: 403, body: { detail: 'Not authenticated' } };
    if (key !== this.options.apiKey) return { status: 403, body: { detail: 'Invalid API key' } };
    return undefined;
  }

  private scripted(behaviour: BflBehaviour | undefined): Reply | undefined {
    if (behaviour === undefined) return undefined;
    if (behaviour.kind === 'hang') return 'hang';
    if (behaviour.kind === 'http') {
      return behaviour.headers === undefined
        ? { status: behaviour.status, body: behaviour.body as object }
        : { status: behaviour.status, headers: behaviour.headers, body: behaviour.body as object };
    }
    return undefined;
  }

  private async submit(request: RecordedRequest, baseUrl: string): Promise<Reply> {
    const endpoint = request.path;
    if (!textToImageEndpoints.has(endpoint) && !flux2Endpoints.has(endpoint) && endpoint !== kontextPath && endpoint !== '/v1/flux-pro-1.0-fill' && endpoint !== '/v1/flux-pro-1.0-expand') {
      return { status: 404, body: { detail: 'Not Found' } };
    }
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      return validation([{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }]);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return validation([{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' }]);
    }
    const fields = body as Record<string, unknown>;
    const problems = await validateSubmission(endpoint, fields);
    if (problems.length > 0) return validation(problems);
    const scripted = this.scripted(this.submitScript.take());
    if (scripted !== undefined) return scripted;
    const id = randomUUID();
    const input = await decodeImage(fields.input_image);
    const inputMp = input === undefined ? 0 : (input.width * input.height) / 1_000_000;
    const cost = fakeBflCost(endpoint, fields, inputMp);
    this.tasks.set(id, { id, endpoint, body: fields, pendingLeft: this.pendingPolls, signature: randomUUID().slice(0, 8), cost });
    return { status: 200, body: { id, polling_url: `${baseUrl}/v1/get_result?id=${id}`, cost, input_mp: inputMp, output_mp: 1 } };
  }

  private poll(request: RecordedRequest, baseUrl: string): Reply {
    const id = request.query.get('id');
    if (id === null) return validation([{ loc: ['query', 'id'], msg: 'Field required', type: 'missing' }]);
    const behaviour = this.pollScript.take();
    const scripted = this.scripted(behaviour);
    if (scripted !== undefined) return scripted;
    if (behaviour?.kind === 'task-status') {
      return { status: 200, body: { id, status: behaviour.status, result: null, progress: null, details: behaviour.status.includes('Moderated') ? { moderation_reasons: ['test'] } : null } };
    }
    const task = this.tasks.get(id);
    if (task === undefined) return { status: 200, body: { id, status: 'Task not found', result: null, progress: null } };
    if (task.pendingLeft > 0) {
      task.pendingLeft -= 1;
      return { status: 200, body: { id, status: 'Pending', result: null, progress: 0.5 } };
    }
    return {
      status: 200,
      body: {
        id,
        status: 'Ready',
        result: { sample: `${baseUrl}/samples/${id}?sig=${task.signature}`, prompt: task.body.prompt, seed: task.body.seed },
        progress: 1,
        // FLUX.2 tasks report their cost when Ready too.
        ...(flux2Endpoints.has(task.endpoint) ? { cost: task.cost } : {}),
      },
    };
  }

  private async sample(request: RecordedRequest): Promise<Reply> {
    const scripted = this.scripted(this.sampleScript.take());
    if (scripted !== undefined) return scripted;
    const id = request.path.slice('/samples/'.length);
    const task = this.tasks.get(id);
    if (task === undefined || request.query.get('sig') !== task.signature) {
      return { status: 403, headers: { 'content-type': 'application/xml' }, body: '<Error><Code>AuthenticationFailed</Code></Error>' };
    }
    // The option overrides the request's output_format, so tests can serve JPEG/WebP to an adapter asking for PNG.
    const requested = task.body.output_format;
    const format = this.options.sampleFormat ?? (requested === 'png' || requested === 'webp' ? requested : 'jpeg');
    const bytes = await renderSample(task, format);
    return { status: 200, headers: { 'content-type': `image/${format}` }, body: bytes };
  }
}

function validation(detail: Array<{ loc: Array<string | number>; msg: string; type: string }>): Reply {
  return { status: 422, body: { detail } };
}

async function validateSubmission(endpoint: string, body: Record<string, unknown>): Promise<Array<{ loc: string[]; msg: string; type: string }>> {
  const problems: Array<{ loc: string[]; msg: string; type: string }> = [];
  const integerIn = (field: string, min: number, max: number, multipleOf = 1): void => {
    const value = body[field];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value)) problems.push({ loc: ['body', field], msg: 'Input should be a valid integer', type: 'int_type' });
    else if (value < min || value > max) problems.push({ loc: ['body', field], msg: `Input should be between ${min} and ${max}`, type: 'range' });
    else if (value % multipleOf !== 0) problems.push({ loc: ['body', field], msg: `Input should be a multiple of ${multipleOf}`, type: 'multiple_of' });
  };
  if (body.prompt !== undefined && typeof body.prompt !== 'string') problems.push({ loc: ['body', 'prompt'], msg: 'Input should be a valid string', type: 'string_type' });
  integerIn('seed', 0, 2 ** 32 - 1);
  integerIn('safety_tolerance', 0, 6);
  if (body.output_format !== undefined && !(typeof body.output_format === 'string' && ['jpeg', 'png', 'webp'].includes(body.output_format))) {
    problems.push({ loc: ['body', 'output_format'], msg: "Input should be 'jpeg', 'png' or 'webp'", type: 'enum' });
  }
  if (flux2Endpoints.has(endpoint) || endpoint === kontextPath) {
    integerIn('width', 64, 2048, 16);
    integerIn('height', 64, 2048, 16);
    integerIn('steps', 1, 50);
    if (endpoint !== kontextPath && typeof body.width === 'number' && typeof body.height === 'number' && body.width * body.height > 4_194_304) {
      problems.push({ loc: ['body', 'width'], msg: 'Output must be at most 4 megapixels', type: 'value_error' });
    }
    if (body.input_image !== undefined && (await decodeImage(body.input_image)) === undefined) {
      problems.push({ loc: ['body', 'input_image'], msg: 'Invalid base64 image', type: 'value_error' });
    }
    if (endpoint === kontextPath && body.input_image === undefined) problems.push({ loc: ['body', 'input_image'], msg: 'Field required', type: 'missing' });
    if (body.aspect_ratio !== undefined) {
      const ratio = typeof body.aspect_ratio === 'string' ? /^(\d+):(\d+)$/.exec(body.aspect_ratio) : null;
      const value = ratio === null ? Number.NaN : Number(ratio[1]) / Number(ratio[2]);
      if (!(value >= 9 / 21 - 1e-9 && value <= 21 / 9 + 1e-9)) problems.push({ loc: ['body', 'aspect_ratio'], msg: 'Aspect ratio must be between 21:9 and 9:21', type: 'value_error' });
    }
    return problems;
  }
  if (textToImageEndpoints.has(endpoint)) {
    integerIn('width', 256, 1440, 32);
    integerIn('height', 256, 1440, 32);
    integerIn('steps', 1, 50);
    return problems;
  }
  integerIn('steps', 15, 50);
  const image = await decodeImage(body.image);
  if (image === undefined) {
    problems.push({ loc: ['body', 'image'], msg: body.image === undefined ? 'Field required' : 'Invalid base64 image', type: body.image === undefined ? 'missing' : 'value_error' });
    return problems;
  }
  if (endpoint === '/v1/flux-pro-1.0-fill' && body.mask !== undefined) {
    const mask = await decodeImage(body.mask);
    if (mask === undefined) problems.push({ loc: ['body', 'mask'], msg: 'Invalid base64 image', type: 'value_error' });
    else if (mask.width !== image.width || mask.height !== image.height) {
      problems.push({ loc: ['body', 'mask'], msg: 'Mask dimensions must match the image', type: 'value_error' });
    }
  }
  if (endpoint === '/v1/flux-pro-1.0-expand') for (const side of ['top', 'bottom', 'left', 'right']) integerIn(side, 0, 2048);
  return problems;
}

async function decodeImage(value: unknown): Promise<{ width: number; height: number } | undefined> {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    const metadata = await sharp(Buffer.from(value, 'base64')).metadata();
    return { width: metadata.width, height: metadata.height };
  } catch {
    return undefined;
  }
}

/** A real image of the size the task implies, in a colour taken from its seed. */
async function renderSample(task: Task, format: 'jpeg' | 'png' | 'webp'): Promise<Buffer> {
  const seed = typeof task.body.seed === 'number' ? task.body.seed : 0;
  const background = { r: (seed * 53) % 256, g: (seed * 97) % 256, b: (seed * 193) % 256 };
  let image: Sharp;
  if (task.endpoint === kontextPath) {
    const [w, h] = (typeof task.body.aspect_ratio === 'string' ? task.body.aspect_ratio : '1:1').split(':').map(Number) as [number, number];
    const scale = Math.sqrt(1_048_576 / (w * h));
    image = sharp({ create: { width: Math.round((w * scale) / 16) * 16, height: Math.round((h * scale) / 16) * 16, channels: 3, background } });
  } else if (textToImageEndpoints.has(task.endpoint) || flux2Endpoints.has(task.endpoint)) {
    const width = typeof task.body.width === 'number' ? task.body.width : 1024;
    const height = typeof task.body.height === 'number' ? task.body.height : 768;
    image = sharp({ create: { width, height, channels: 3, background } });
  } else {
    const source = sharp(Buffer.from(String(task.body.image), 'base64'));
    if (task.endpoint === '/v1/flux-pro-1.0-expand') {
      const side = (name: string): number => (typeof task.body[name] === 'number' ? task.body[name] : 0);
      image = sharp(
        await source.extend({ top: side('top'), bottom: side('bottom'), left: side('left'), right: side('right'), background }).png().toBuffer(),
      );
    } else {
      image = sharp(await source.modulate({ hue: 90 }).png().toBuffer());
    }
  }
  return format === 'jpeg' ? image.jpeg().toBuffer() : format === 'webp' ? image.webp().toBuffer() : image.png().toBuffer();
}
