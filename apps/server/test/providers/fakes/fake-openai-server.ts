import sharp from 'sharp';
import type { RecordedRequest, Reply } from './fake-http.js';
import { parseForm } from './fake-stability-server.js';
import { FakeSyncProviderServer } from './fake-sync-provider.js';

const sizes: Readonly<Record<string, [number, number]>> = { '1024x1024': [1024, 1024], '1536x1024': [1536, 1024], '1024x1536': [1024, 1536] };

/** What the fake read from a call, for the tests' checks. */
export interface OpenAiCall {
  path: string;
  fields: Record<string, string>;
  files: Record<string, { name: string; type: string; bytes: Buffer }>;
}

/**
 * A local stand-in for OpenAI's Images API with gpt-image-1, as documented: `Authorization:
 * Bearer`; POST /v1/images/generations (JSON: model, prompt, n, size 1024x1024 | 1536x1024 |
 * 1024x1536 | auto, quality, background, output_format, moderation) and POST /v1/images/edits
 * (multipart/form-data: image, optional mask, same fields). A mask must be a PNG with an alpha
 * channel and the image's size. Answers `{ created, data: [{ b64_json }], background, size,
 * quality, output_format, usage }`; errors `{ error: { message, type, param, code } }`; a refused
 * prompt is 400 `moderation_blocked`.
 */
export class FakeOpenAiServer extends FakeSyncProviderServer {
  constructor(protected readonly apiKey: string) {
    super();
  }

  static start(apiKey: string): Promise<FakeOpenAiServer> {
    return new FakeOpenAiServer(apiKey).listen();
  }

  protected isCall(request: RecordedRequest): boolean {
    return request.method === 'POST' && (request.path === '/v1/images/generations' || request.path === '/v1/images/edits');
  }

  protected authorized(request: RecordedRequest): boolean {
    return request.headers.authorization === `Bearer ${this.apiKey}`;
  }

  protected unauthorized(): Reply {
    return error(401, 'invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.');
  }

  /** What the n-th call sent, read as OpenAI reads it. */
  async read(index = 0): Promise<OpenAiCall> {
    const request = this.calls()[index];
    if (request === undefined) throw new Error(`no call #${String(index)}`);
    return readCall(request);
  }

  protected async answer(request: RecordedRequest, outcome: 'ready' | 'moderated'): Promise<Reply> {
    let call: OpenAiCall;
    try {
      call = await readCall(request);
    } catch {
      return error(400, 'invalid_request_error', null, 'Could not parse the request body.');
    }
    const { fields, files } = call;
    if (fields.model !== 'gpt-image-1') return error(400, 'invalid_request_error', 'invalid_value', `Invalid value for model: ${String(fields.model)}`, 'model');
    if (fields.prompt === undefined || fields.prompt === '') return error(400, 'invalid_request_error', 'missing_required_parameter', "Missing required parameter: 'prompt'.", 'prompt');
    const size = sizes[fields.size ?? '1024x1024'];
    if (size === undefined) return error(400, 'invalid_request_error', 'invalid_value', `Invalid value: '${String(fields.size)}'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.`, 'size');
    if (fields.background === 'transparent' && fields.output_format === 'jpeg') return error(400, 'invalid_request_error', 'invalid_value', 'Transparent background requires png or webp.', 'background');
    let source: { width: number; height: number } | undefined;
    if (call.path === '/v1/images/edits') {
      const image = files.image ?? files['image[]'];
      if (image === undefined) return error(400, 'invalid_request_error', 'missing_required_parameter', "Missing required parameter: 'image'.", 'image');
      source = await sharp(image.bytes).metadata();
      const mask = files.mask;
      if (mask !== undefined) {
        const maskInfo = await sharp(mask.bytes).metadata();
        if (maskInfo.format !== 'png' || !maskInfo.hasAlpha) return error(400, 'invalid_request_error', 'invalid_image_file', 'Invalid mask image: the mask must be a PNG with an alpha channel.', 'mask');
        if (maskInfo.width !== source.width || maskInfo.height !== source.height) return error(400, 'invalid_request_error', 'invalid_value', 'Invalid mask image: mask and image must have the same dimensions.', 'mask');
      }
    }
    if (outcome === 'moderated') return error(400, 'image_generation_user_error', 'moderation_blocked', 'Your request was rejected as a result of our safety system.');
    const transparent = fields.background === 'transparent';
    const png = await sharp({ create: { width: size[0], height: size[1], channels: 4, background: { r: 200, g: 90, b: 40, alpha: transparent ? 0 : 1 } } })
      .composite([{ input: { create: { width: 256, height: 256, channels: 4, background: { r: 30, g: 30, b: 200, alpha: 1 } } } }])
      .png()
      .toBuffer();
    const imageTokens = source === undefined ? 0 : 323;
    return {
      status: 200,
      body: {
        created: Math.floor(Date.now() / 1000),
        data: [{ b64_json: png.toString('base64') }],
        background: transparent ? 'transparent' : 'opaque',
        size: fields.size,
        quality: fields.quality ?? 'medium',
        output_format: fields.output_format ?? 'png',
        usage: { total_tokens: 20 + imageTokens + 1056, input_tokens: 20 + imageTokens, output_tokens: 1056, input_tokens_details: { text_tokens: 20, image_tokens: imageTokens } },
      },
    };
  }
}

function error(status: number, type: string, code: string | null, message: string, param: string | null = null): Reply {
  return { status, body: { error: { message, type, param, code } } };
}

/** Reads a JSON or multipart/form-data call. */
async function readCall(request: RecordedRequest): Promise<OpenAiCall> {
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.startsWith('application/json')) {
    const body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
    const fields = Object.fromEntries(Object.entries(body).map(([key, value]) => [key, String(value)]));
    return { path: request.path, fields, files: {} };
  }
  const form = await parseForm(request);
  const files: OpenAiCall['files'] = {};
  for (const [key, file] of Object.entries(form.files)) files[key] = { name: file.filename, type: file.type, bytes: file.bytes };
  return { path: request.path, fields: form.fields, files };
}
