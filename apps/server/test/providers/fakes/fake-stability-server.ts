import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

import { Script, startFakeHttpServer, type FakeHttpServer, type RecordedRequest, type Reply } from './fake-http.js';


type Sharp = ReturnType<typeof sharp>;
/**
 * A local stand-in for Stability AI's REST API v2beta, following its documented requests and
 * answers: multipart/form-data POSTs with `authorization: Bearer …`; with `accept: image/*` the
 * image bytes and `finish-reason` / `seed` headers, with `accept: application/json` a JSON
 * `{ image, finish_reason, seed }`; async endpoints answer `{ id }` and GET /v2beta/results/{id}
 * answers 202 `{ id, status: 'in-progress' }` until the image is ready. Errors are
 * `{ id, name, errors: [...] }` (400 bad_request, 401 unauthorized, 403 content_moderation,
 * 404 not_found, 429 rate_limit_exceeded, 500 internal_error).
 */

export type StabilityBehaviour =
  | { kind: 'http'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'hang' }
  /** 200 with the image, but `finish-reason: CONTENT_FILTERED` (the output was filtered). */
  | { kind: 'filtered' };

export const stability = {
  rateLimited: (retryAfterSeconds?: number): StabilityBehaviour => ({
    kind: 'http',
    status: 429,
    ...(retryAfterSeconds === undefined ? {} : { headers: { 'retry-after': String(retryAfterSeconds) } }),
    body: errorBody('rate_limit_exceeded', 'You have exceeded the rate limit of 150 requests within a 10 second period.'),
  }),
  serverError: (): StabilityBehaviour => ({ kind: 'http', status: 500, body: errorBody('internal_error', 'An unexpected server error has occurred.') }),
  hang: (): StabilityBehaviour => ({ kind: 'hang' }),
  moderated: (): StabilityBehaviour => ({
    kind: 'http',
    status: 403,
    body: errorBody('content_moderation', 'Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.'),
  }),
  forbidden: (): StabilityBehaviour => ({ kind: 'http', status: 403, body: errorBody('forbidden', 'You do not have access to this resource.') }),
  filtered: (): StabilityBehaviour => ({ kind: 'filtered' }),
};

function errorBody(name: string, ...errors: string[]): { id: string; name: string; errors: string[] } {
  return { id: randomBytes(16).toString('hex'), name, errors };
}

export const fakeStabilityGenerateSizes: Readonly<Record<string, { width: number; height: number }>> = {
  '21:9': { width: 1536, height: 640 },
  '16:9': { width: 1344, height: 768 },
  '3:2': { width: 1216, height: 832 },
  '5:4': { width: 1152, height: 896 },
  '1:1': { width: 1024, height: 1024 },
  '4:5': { width: 896, height: 1152 },
  '2:3': { width: 832, height: 1216 },
  '9:16': { width: 768, height: 1344 },
  '9:21': { width: 640, height: 1536 },
};

/** Conservative and creative upscales come out at about 4 megapixels. */
const upscaleMegapixels = 4_194_304;

export interface RecordedForm {
  request: RecordedRequest;
  fields: Record<string, string>;
  files: Record<string, { filename: string; type: string; bytes: Buffer }>;
}

interface Generation {
  image: Buffer;
  seed: number;
  pendingLeft: number;
}

interface Endpoint {
  required: string[];
  async: boolean;
  render: (form: RecordedForm, seed: number) => Promise<Sharp>;
}

export interface FakeStabilityServerOptions {
  apiKey: string;
}

export class FakeStabilityServer {
  /** Next N POSTs answer these. */
  readonly requestScript = new Script<StabilityBehaviour>();
  /** Next N polls (GET /v2beta/results/{id}) answer these. */
  readonly pollScript = new Script<StabilityBehaviour>();
  /** Each async generation answers 202 this many times before the image. */
  pendingPolls = 0;
  readonly forms: RecordedForm[] = [];
  private readonly generations = new Map<string, Generation>();

  private constructor(
    private readonly http: FakeHttpServer,
    private readonly options: FakeStabilityServerOptions,
  ) {}

  static async start(options: FakeStabilityServerOptions): Promise<FakeStabilityServer> {
    // The handler needs the instance and the instance the server: filled in once it listens.
    const holder: { fake?: FakeStabilityServer } = {};
    const http = await startFakeHttpServer((request) => {
      if (holder.fake === undefined) throw new Error('not started');
      return holder.fake.handle(request);
    });
    const fake = new FakeStabilityServer(http, options);
    holder.fake = fake;
    return fake;
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  get requests(): RecordedRequest[] {
    return this.http.requests;
  }

  polls(): RecordedRequest[] {
    return this.requests.filter((request) => request.path.startsWith('/v2beta/results/'));
  }

  /** The n-th multipart form received. */
  form(index = 0): RecordedForm {
    const form = this.forms[index];
    if (form === undefined) throw new Error(`no form #${index}`);
    return form;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async handle(request: RecordedRequest): Promise<Reply> {
    const authorization = request.headers.authorization;
    if (authorization === undefined || !authorization.startsWith('Bearer ') || authorization.slice('Bearer '.length) === '') {
      return { status: 401, body: errorBody('unauthorized', 'authorization: missing or invalid header value') };
    }
    if (authorization !== `Bearer ${this.options.apiKey}`) {
      return { status: 401, body: errorBody('unauthorized', 'authorization: invalid API key') };
    }
    if (request.method === 'GET' && request.path.startsWith('/v2beta/results/')) return this.poll(request);
    const endpoint = endpoints[request.path];
    if (request.method !== 'POST' || endpoint === undefined) return { status: 404, body: errorBody('not_found', `${request.method} ${request.path} not found`) };
    const contentType = request.headers['content-type'] ?? '';
    if (!contentType.startsWith('multipart/form-data')) {
      return { status: 400, body: errorBody('bad_request', 'content-type: must be multipart/form-data') };
    }
    const form = await parseForm(request);
    this.forms.push(form);
    const problems = validate(request.path, endpoint, form);
    if (problems.length > 0) return { status: 400, body: errorBody('bad_request', ...problems) };
    const behaviour = this.requestScript.take();
    if (behaviour?.kind === 'hang') return 'hang';
    if (behaviour?.kind === 'http') return httpReply(behaviour);
    const requestedSeed = Number(form.fields.seed ?? '0');
    const seed = requestedSeed === 0 ? 1234567 : requestedSeed;
    const image = await (await endpoint.render(form, seed)).toFormat(outputFormat(form)).toBuffer();
    if (endpoint.async) {
      const id = randomBytes(32).toString('hex');
      this.generations.set(id, { image, seed, pendingLeft: this.pendingPolls });
      return { status: 200, body: { id } };
    }
    return imageReply(request, image, outputFormat(form), seed, behaviour?.kind === 'filtered');
  }

  private poll(request: RecordedRequest): Reply {
    const behaviour = this.pollScript.take();
    if (behaviour?.kind === 'hang') return 'hang';
    if (behaviour?.kind === 'http') return httpReply(behaviour);
    const id = decodeURIComponent(request.path.slice('/v2beta/results/'.length));
    const generation = this.generations.get(id);
    if (generation === undefined) return { status: 404, body: errorBody('not_found', `No generation found for ${id}`) };
    if (generation.pendingLeft > 0) {
      generation.pendingLeft -= 1;
      return { status: 202, body: { id, status: 'in-progress' } };
    }
    return imageReply(request, generation.image, 'png', generation.seed, behaviour?.kind === 'filtered');
  }
}

function httpReply(behaviour: { status: number; body?: unknown; headers?: Record<string, string> }): Reply {
  return behaviour.headers === undefined
    ? { status: behaviour.status, body: behaviour.body as object }
    : { status: behaviour.status, headers: behaviour.headers, body: behaviour.body as object };
}

function imageReply(request: RecordedRequest, image: Buffer, format: string, seed: number, filtered: boolean): Reply {
  const finishReason = filtered ? 'CONTENT_FILTERED' : 'SUCCESS';
  const accept = request.headers.accept ?? 'image/*';
  if (accept.includes('application/json')) {
    return { status: 200, body: { image: image.toString('base64'), finish_reason: finishReason, seed } };
  }
  return { status: 200, headers: { 'content-type': `image/${format}`, 'finish-reason': finishReason, seed: String(seed) }, body: image };
}

function outputFormat(form: RecordedForm): 'png' | 'jpeg' | 'webp' {
  const format = form.fields.output_format;
  return format === 'jpeg' || format === 'webp' ? format : 'png';
}

/** A minimal multipart/form-data reader (RFC 7578): enough for what the adapter sends. */
export function parseForm(request: RecordedRequest): Promise<RecordedForm> {
  const contentType = request.headers['content-type'] ?? '';
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const fields: Record<string, string> = {};
  const files: RecordedForm['files'] = {};
  const delimiter = Buffer.from(`--${boundary?.[1] ?? boundary?.[2] ?? ''}`);
  const body = request.body;
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const partStart = start + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, partStart);
    if (next < 0) break;
    // Each part: CRLF, headers, CRLF CRLF, content, CRLF before the next delimiter.
    const part = body.subarray(partStart + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const content = part.subarray(headerEnd + 4);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? 'application/octet-stream';
    if (name !== undefined) {
      if (filename === undefined) fields[name] = content.toString('utf8');
      else files[name] = { filename, type, bytes: Buffer.from(content) };
    }
    start = next;
  }
  return Promise.resolve({ request, fields, files });
}

const aspectRatios = Object.keys(fakeStabilityGenerateSizes);

function validate(path: string, endpoint: Endpoint, form: RecordedForm): string[] {
  const problems: string[] = [];
  for (const field of endpoint.required) {
    const present = field.includes('|')
      ? field.split('|').some((name) => form.fields[name] !== undefined || form.files[name] !== undefined)
      : form.fields[field] !== undefined || form.files[field] !== undefined;
    if (!present) problems.push(`${field}: is required`);
  }
  const { fields } = form;
  if (fields.prompt !== undefined && (fields.prompt.length < 1 || fields.prompt.length > 10_000)) problems.push('prompt: must be 1..10000 characters');
  if (fields.aspect_ratio !== undefined && !aspectRatios.includes(fields.aspect_ratio)) problems.push(`aspect_ratio: must be one of ${aspectRatios.join(', ')}`);
  if (fields.output_format !== undefined && !['png', 'jpeg', 'webp'].includes(fields.output_format)) problems.push('output_format: must be png, jpeg or webp');
  if (fields.seed !== undefined && !(/^\d+$/.test(fields.seed) && Number(fields.seed) <= 4_294_967_294)) problems.push('seed: must be within 0..4294967294');
  if (path.endsWith('/generate/sd3') && fields.model !== undefined && !['sd3.5-large', 'sd3.5-large-turbo', 'sd3.5-medium', 'sd3.5-flash'].includes(fields.model)) {
    problems.push('model: unknown model');
  }
  if (path.endsWith('/edit/outpaint')) {
    const sides = ['left', 'right', 'up', 'down'].map((side) => Number(fields[side] ?? '0'));
    if (sides.some((value) => !Number.isInteger(value) || value < 0 || value > 2000)) problems.push('left/right/up/down: must be within 0..2000');
    if (sides.every((value) => value === 0)) problems.push('at least one of left, right, up or down must be non-zero');
  }
  for (const [name, file] of Object.entries(form.files)) if (file.bytes.length === 0) problems.push(`${name}: is empty`);
  return problems;
}

async function sourceOf(form: RecordedForm, name = 'image'): Promise<{ image: Sharp; width: number; height: number }> {
  const file = form.files[name];
  if (file === undefined) throw new Error(`${name} missing`);
  const metadata = await sharp(file.bytes).metadata();
  return { image: sharp(file.bytes), width: metadata.width, height: metadata.height };
}

function colourOf(seed: number): { r: number; g: number; b: number } {
  return { r: (seed * 41) % 256, g: (seed * 89) % 256, b: (seed * 151) % 256 };
}

const edit = (render: Endpoint['render'], ...required: string[]): Endpoint => ({ required: ['image', ...required], async: false, render });

const endpoints: Readonly<Record<string, Endpoint>> = {
  ...Object.fromEntries(
    ['ultra', 'core', 'sd3'].map((name) => [
      `/v2beta/stable-image/generate/${name}`,
      {
        required: ['prompt'],
        async: false,
        render: (form, seed) => {
          const size = fakeStabilityGenerateSizes[form.fields.aspect_ratio ?? '1:1'] ?? { width: 1024, height: 1024 };
          return Promise.resolve(sharp({ create: { ...size, channels: 3, background: colourOf(seed) } }));
        },
      } satisfies Endpoint,
    ]),
  ),
  '/v2beta/stable-image/edit/inpaint': edit(async (form) => (await sourceOf(form)).image.modulate({ hue: 60 }), 'prompt'),
  '/v2beta/stable-image/edit/outpaint': edit(async (form, seed) => {
    const side = (name: string): number => Number(form.fields[name] ?? '0');
    return sharp(
      await (await sourceOf(form)).image.extend({ left: side('left'), right: side('right'), top: side('up'), bottom: side('down'), background: colourOf(seed) }).png().toBuffer(),
    );
  }),
  '/v2beta/stable-image/edit/remove-background': edit(async (form) => (await sourceOf(form)).image.ensureAlpha(0.5)),
  '/v2beta/stable-image/edit/search-and-replace': edit(async (form) => (await sourceOf(form)).image.negate({ alpha: false }), 'prompt', 'search_prompt'),
  '/v2beta/stable-image/edit/search-and-recolor': edit(async (form) => (await sourceOf(form)).image.modulate({ hue: 180 }), 'prompt', 'select_prompt'),
  '/v2beta/stable-image/edit/replace-background-and-relight': {
    required: ['subject_image', 'background_prompt|background_reference'],
    async: true,
    render: async (form) => (await sourceOf(form, 'subject_image')).image.modulate({ brightness: 1.2 }),
  },
  '/v2beta/stable-image/upscale/fast': edit(async (form) => {
    const { image, width, height } = await sourceOf(form);
    return image.resize(width * 4, height * 4);
  }),
  '/v2beta/stable-image/upscale/conservative': edit(upscaleTo4Mp, 'prompt'),
  '/v2beta/stable-image/upscale/creative': { required: ['image', 'prompt'], async: true, render: upscaleTo4Mp },
};

async function upscaleTo4Mp(form: RecordedForm): Promise<Sharp> {
  const { image, width, height } = await sourceOf(form);
  const factor = Math.sqrt(upscaleMegapixels / (width * height));
  return image.resize(Math.round(width * factor), Math.round(height * factor));
}
