import sharp from 'sharp';
import type { RecordedRequest, Reply } from './fake-http.js';
import { FakeSyncProviderServer } from './fake-sync-provider.js';

const sizes: Readonly<Record<string, [number, number]>> = {
  '1:1': [1024, 1024], '2:3': [832, 1248], '3:2': [1248, 832], '3:4': [864, 1184], '4:3': [1184, 864],
  '4:5': [896, 1152], '5:4': [1152, 896], '9:16': [768, 1344], '16:9': [1344, 768], '21:9': [1536, 672],
};

/**
 * A local stand-in for Gemini's image model on the Gemini API, as documented: POST
 * /v1beta/models/gemini-2.5-flash-image:generateContent with `x-goog-api-key`; `{ contents: [{ role,
 * parts: [{ text } | { inlineData: { mimeType, data } }] }], generationConfig: { responseModalities,
 * imageConfig: { aspectRatio } } }` → `{ candidates: [{ content: { role: 'model', parts: [{ text }?,
 * { inlineData: { mimeType: 'image/png', data } }] }, finishReason: 'STOP' }], usageMetadata }`. A
 * refused prompt answers `promptFeedback.blockReason` and no candidates; a refused image a
 * candidate with `finishReason: IMAGE_SAFETY` and no image. A bad key is 400 INVALID_ARGUMENT.
 */
export class FakeGeminiServer extends FakeSyncProviderServer {
  /** How the next moderated call refuses: the prompt, or the image. */
  refusal: 'prompt' | 'image' = 'prompt';

  constructor(protected readonly apiKey: string) {
    super();
  }

  static start(apiKey: string): Promise<FakeGeminiServer> {
    return new FakeGeminiServer(apiKey).listen();
  }

  protected isCall(request: RecordedRequest): boolean {
    return request.method === 'POST' && request.path === '/v1beta/models/gemini-2.5-flash-image:generateContent';
  }

  protected authorized(request: RecordedRequest): boolean {
    return request.headers['x-goog-api-key'] === this.apiKey;
  }

  protected unauthorized(): Reply {
    return googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
  }

  /** The JSON body of the n-th call. */
  body(index = 0): { contents: { role: string; parts: Record<string, unknown>[] }[]; generationConfig: Record<string, unknown> } {
    const request = this.calls()[index];
    if (request === undefined) throw new Error(`no call #${String(index)}`);
    return JSON.parse(request.body.toString('utf8')) as ReturnType<FakeGeminiServer['body']>;
  }

  protected async answer(request: RecordedRequest, outcome: 'ready' | 'moderated'): Promise<Reply> {
    const body = JSON.parse(request.body.toString('utf8')) as { contents?: { role?: string; parts?: Record<string, unknown>[] }[]; generationConfig?: { imageConfig?: { aspectRatio?: string } } };
    const contents = body.contents ?? [];
    // A conversation alternates user and model turns and ends with the user's.
    if (contents.length === 0 || contents.at(-1)?.role !== 'user' || contents.some((turn, index) => index > 0 && turn.role === contents[index - 1]?.role)) {
      return googleError(400, 'INVALID_ARGUMENT', 'Please ensure that multiturn requests alternate between user and model, ending with a user turn.');
    }
    const parts = contents.flatMap((turn) => turn.parts ?? []);
    if (!(contents.at(-1)?.parts ?? []).some((part) => typeof part.text === 'string')) return googleError(400, 'INVALID_ARGUMENT', 'contents.parts must not be empty');
    const aspectRatio = body.generationConfig?.imageConfig?.aspectRatio ?? '1:1';
    const size = sizes[aspectRatio];
    if (size === undefined) return googleError(400, 'INVALID_ARGUMENT', `Unsupported aspect ratio: ${aspectRatio}`);
    const images = parts.filter((part) => typeof part.inlineData === 'object');
    for (const image of images) {
      const data = (image.inlineData as { data?: unknown }).data;
      try {
        await sharp(Buffer.from(String(data), 'base64')).metadata();
      } catch {
        return googleError(400, 'INVALID_ARGUMENT', 'Unable to process input image.');
      }
    }
    const usageMetadata = { promptTokenCount: 12 + 258 * images.length, candidatesTokenCount: 1290, totalTokenCount: 1302 + 258 * images.length };
    if (outcome === 'moderated' && this.refusal === 'prompt') return { status: 200, body: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata } };
    if (outcome === 'moderated') return { status: 200, body: { candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'IMAGE_SAFETY' }], usageMetadata } };
    const png = await sharp({ create: { width: size[0], height: size[1], channels: 3, background: { r: 250, g: 200, b: 40 } } }).png().toBuffer();
    return {
      status: 200,
      body: {
        candidates: [{ content: { role: 'model', parts: [{ text: 'Here is your image.' }, { inlineData: { mimeType: 'image/png', data: png.toString('base64') } }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata,
        modelVersion: 'gemini-2.5-flash-image',
      },
    };
  }
}

function googleError(code: number, status: string, message: string): Reply {
  return { status: code, body: { error: { code, message, status } } };
}
