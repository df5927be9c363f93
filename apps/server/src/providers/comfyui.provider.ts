import { randomUUID } from 'node:crypto';
import type { Operation } from '@atelier/pricing';
import { comfyOutputNode, comfyWorkflowKindOf, fillComfyWorkflow, type ComfyValues, type ComfyWorkflows } from './comfyui-workflows.js';
import { CallScope, failureFromResponse, isRecord, joinUrl, stringField, type FetchFunction, type HttpFailureRules } from './http.js';
import { imageSize, toPng } from './images.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider } from './provider.js';

export const comfyUiLimits = {
  /** A self-hosted GPU may queue: the whole call (upload, queue, run, fetch) gets this long. */
  timeoutMs: 600_000,
  /** How often /history is asked while the websocket is quiet (it is the source of truth). */
  pollIntervalMs: 1_000,
  /** Steps when the model takes none or the request gives none. */
  defaultSteps: 25,
  /** Waiting for the websocket to open before queueing; without it, /history alone is used. */
  websocketOpenMs: 3_000,
  /** /history answers in a row that may fail before the call gives up. */
  maxConsecutivePollFailures: 5,
} as const;

export interface ComfyUiOptions {
  /** The ComfyUI server, e.g. http://gpu-box:8188. */
  baseUrl: string;
  /** Catalog models this server's workflows stand in for (e.g. flux-dev). */
  models: readonly string[];
  workflows: ComfyWorkflows;
  /** Sent as `Authorization: Bearer …` when ComfyUI sits behind an authenticating proxy. */
  token?: string;
  timeoutMs?: number;
  pollIntervalMs?: number;
  fetch?: FetchFunction;
}

const failureRules: HttpFailureRules = { provider: 'ComfyUI' };

interface OutputImage {
  filename: string;
  subfolder: string;
  type: string;
}

/**
 * A team's own ComfyUI server: our request filled into the operation's workflow template (API
 * format), sources uploaded with `POST /upload/image`, the workflow queued with `POST /prompt`
 * (`{ prompt, client_id }` → `{ prompt_id }`), progress and completion from the websocket
 * (`/ws?clientId=…`: `progress` `{ value, max }`, `executing` with `node: null`,
 * `execution_success`, `execution_error`), the result read from `GET /history/{prompt_id}` (polled
 * too, in case the socket drops) and fetched with `GET /view`, then copied into our storage.
 */
export class ComfyUiProvider implements ImageProvider {
  readonly id = 'comfyui' as const;
  private readonly timeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly fetchFn: FetchFunction;

  constructor(private readonly options: ComfyUiOptions) {
    this.timeoutMs = options.timeoutMs ?? comfyUiLimits.timeoutMs;
    this.pollIntervalMs = options.pollIntervalMs ?? comfyUiLimits.pollIntervalMs;
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  supports(modelId: string, operation: Operation): boolean {
    const kind = comfyWorkflowKindOf(operation);
    return kind !== undefined && this.options.workflows[kind] !== undefined && this.options.models.includes(modelId);
  }

  async generate(input: GenerationInput): Promise<GeneratedImage> {
    const kind = comfyWorkflowKindOf(input.operation);
    const template = kind === undefined ? undefined : this.options.workflows[kind];
    if (template === undefined || !this.options.models.includes(input.modelId)) {
      throw new ProviderError('rejected', `ComfyUI: no workflow for ${input.modelId} ${input.operation} on this server`);
    }
    const scope = new CallScope(input.signal, this.timeoutMs, 'ComfyUI');
    const clientId = randomUUID();
    const socket = new ComfySocket(this.socketUrl(clientId), scope.signal);
    try {
      const { values, size } = await this.values(scope, input);
      const workflow = fillComfyWorkflow(template, values);
      await socket.opened(comfyUiLimits.websocketOpenMs);
      const promptId = await this.queue(scope, workflow, clientId);
      const outputs = await this.wait(scope, socket, promptId, input.onProgress);
      const image = pickImage(outputs, comfyOutputNode(workflow));
      const bytes = await this.view(scope, image);
      const png = await toPng(bytes, { label: 'ComfyUI', ...(size === undefined ? {} : { size }) });
      scope.check();
      return { ...png, seed: input.seed };
    } catch (error) {
      throw scope.failure(error, 'the call');
    } finally {
      socket.close();
      scope.dispose();
    }
  }

  private headers(json: boolean): Record<string, string> {
    return {
      accept: 'application/json',
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...(this.options.token === undefined ? {} : { authorization: `Bearer ${this.options.token}` }),
    };
  }

  private socketUrl(clientId: string): string {
    const url = new URL(joinUrl(this.options.baseUrl, '/ws'));
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('clientId', clientId);
    if (this.options.token !== undefined) url.searchParams.set('token', this.options.token);
    return url.toString();
  }

  /** The placeholders' values, uploading the source (and mask) first; the size the result is brought to. */
  private async values(scope: CallScope, input: GenerationInput): Promise<{ values: ComfyValues; size?: { width: number; height: number } }> {
    const values: ComfyValues = {
      prompt: input.prompt,
      negative_prompt: input.negativePrompt ?? '',
      seed: input.seed,
      steps: input.steps ?? comfyUiLimits.defaultSteps,
      width: input.width,
      height: input.height,
    };
    if (input.operation === 'text-to-image') return { values, size: { width: input.width, height: input.height } };
    if (input.source === undefined) throw new ProviderError('rejected', `ComfyUI: ${input.operation} needs a source image`);
    const sourceSize = await imageSize(input.source, 'ComfyUI');
    values.source_image = await this.upload(scope, input.source, 'source');
    if (input.operation === 'inpaint') {
      if (input.mask === undefined) throw new ProviderError('rejected', 'ComfyUI: inpaint needs a mask');
      values.mask_image = await this.upload(scope, input.mask, 'mask');
      return { values, size: sourceSize };
    }
    if (input.operation === 'outpaint') {
      const geometry = input.outpaint ?? { left: 0, right: 0, top: 0, bottom: 0 };
      Object.assign(values, geometry);
      return { values, size: { width: sourceSize.width + geometry.left + geometry.right, height: sourceSize.height + geometry.top + geometry.bottom } };
    }
    return { values }; // upscales keep the workflow's size
  }

  /** `POST /upload/image` (multipart `image`, `type=input`): the name LoadImage takes. */
  private async upload(scope: CallScope, png: Buffer, what: string): Promise<string> {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), `atelier-${what}-${randomUUID()}.png`);
    form.append('type', 'input');
    form.append('overwrite', 'true');
    const response = await scope.fetch(this.fetchFn, joinUrl(this.options.baseUrl, '/upload/image'), { method: 'POST', headers: this.headers(false), body: form }, 'POST /upload/image');
    if (!response.ok) throw await failureFromResponse(response, failureRules, 'POST /upload/image');
    const answer = await scope.json(response, 'POST /upload/image');
    const name = isRecord(answer) ? stringField(answer, 'name') : undefined;
    if (name === undefined || !isRecord(answer)) throw new ProviderError('server_error', 'ComfyUI: POST /upload/image answered no name');
    const subfolder = stringField(answer, 'subfolder') ?? '';
    return subfolder === '' ? name : `${subfolder}/${name}`;
  }

  private async queue(scope: CallScope, workflow: object, clientId: string): Promise<string> {
    const response = await scope.fetch(
      this.fetchFn,
      joinUrl(this.options.baseUrl, '/prompt'),
      { method: 'POST', headers: this.headers(true), body: JSON.stringify({ prompt: workflow, client_id: clientId }) },
      'POST /prompt',
    );
    // 400: the workflow does not validate on this server (a missing model file or node): its operator's to fix.
    if (!response.ok) throw await failureFromResponse(response, failureRules, 'POST /prompt');
    const answer = await scope.json(response, 'POST /prompt');
    const promptId = isRecord(answer) ? stringField(answer, 'prompt_id') : undefined;
    if (promptId === undefined) throw new ProviderError('server_error', 'ComfyUI: POST /prompt answered no prompt_id');
    return promptId;
  }

  /**
   * Until the prompt is done: websocket events when they come, /history every poll interval. A
   * few transient /history failures in a row (429, 5xx, network) do not lose the queued run.
   */
  private async wait(scope: CallScope, socket: ComfySocket, promptId: string, onProgress: GenerationInput['onProgress']): Promise<Record<string, unknown>> {
    socket.follow(promptId, onProgress);
    let failuresInARow = 0;
    for (;;) {
      // Once the socket has said "done", /history is only waited for (no busy loop).
      await (socket.hasEnded() ? scope.pause(this.pollIntervalMs) : Promise.race([socket.finished(), scope.pause(this.pollIntervalMs)]));
      const failure = socket.failure();
      if (failure !== undefined) throw failure;
      let entry: Record<string, unknown> | undefined;
      try {
        entry = await this.history(scope, promptId);
        failuresInARow = 0;
      } catch (error) {
        const transient = scope.failure(error, 'reading the history');
        failuresInARow += 1;
        if (!transient.retryable || transient.kind === 'timeout' || failuresInARow > comfyUiLimits.maxConsecutivePollFailures) throw transient;
        await scope.pause(Math.min(transient.retryAfterMs ?? this.pollIntervalMs, 10_000));
        continue;
      }
      if (entry === undefined) continue;
      const status = isRecord(entry.status) ? entry.status : {};
      if (stringField(status, 'status_str') === 'error') throw new ProviderError('server_error', `ComfyUI: prompt ${promptId} failed${historyError(status)}`);
      if (status.completed === true || (status.completed === undefined && isRecord(entry.outputs))) {
        onProgress?.(1);
        return isRecord(entry.outputs) ? entry.outputs : {};
      }
    }
  }

  private async history(scope: CallScope, promptId: string): Promise<Record<string, unknown> | undefined> {
    const path = `/history/${encodeURIComponent(promptId)}`;
    const response = await scope.fetch(this.fetchFn, joinUrl(this.options.baseUrl, path), { method: 'GET', headers: this.headers(false) }, `GET ${path}`);
    if (!response.ok) throw await failureFromResponse(response, failureRules, `GET ${path}`);
    const answer = await scope.json(response, `GET ${path}`);
    if (!isRecord(answer)) throw new ProviderError('server_error', `ComfyUI: GET ${path} answered no object`);
    const entry = answer[promptId];
    return isRecord(entry) ? entry : undefined;
  }

  private async view(scope: CallScope, image: OutputImage): Promise<Buffer> {
    const query = new URLSearchParams({ filename: image.filename, subfolder: image.subfolder, type: image.type });
    const response = await scope.fetch(this.fetchFn, joinUrl(this.options.baseUrl, `/view?${query.toString()}`), { method: 'GET', headers: this.headers(false) }, 'GET /view');
    if (!response.ok) {
      const failure = await failureFromResponse(response, failureRules, 'GET /view');
      // A result that is gone (cleaned up, another server behind the balancer) is worth a new run.
      throw failure.kind === 'rejected' ? new ProviderError('server_error', failure.message) : failure;
    }
    return scope.bytes(response, 'GET /view');
  }
}

/** The first image of the output node (or of any node when that one has none). */
function pickImage(outputs: Record<string, unknown>, outputNode: string | undefined): OutputImage {
  const imagesOf = (node: unknown): OutputImage[] => {
    const images = isRecord(node) ? node.images : undefined;
    if (!Array.isArray(images)) return [];
    return images.filter((image): image is OutputImage => isRecord(image) && typeof image.filename === 'string').map((image) => ({
      filename: image.filename,
      subfolder: typeof image.subfolder === 'string' ? image.subfolder : '',
      type: typeof image.type === 'string' ? image.type : 'output',
    }));
  };
  const preferred = outputNode === undefined ? [] : imagesOf(outputs[outputNode]);
  const image = preferred[0] ?? Object.values(outputs).flatMap(imagesOf)[0];
  if (image === undefined) throw new ProviderError('server_error', 'ComfyUI: the prompt finished without an image');
  return image;
}

function historyError(status: Record<string, unknown>): string {
  const messages = Array.isArray(status.messages) ? status.messages : [];
  for (const message of messages) {
    if (Array.isArray(message) && message[0] === 'execution_error' && isRecord(message[1])) {
      const text = stringField(message[1], 'exception_message');
      if (text !== undefined) return `: ${text.trim()}`;
    }
  }
  return '';
}

/**
 * ComfyUI's websocket for one call: progress of our prompt, and the moment it ends (or fails).
 * Optional: when it does not open or drops, the call goes on with /history alone.
 */
class ComfySocket {
  private socket: WebSocket | undefined;
  private promptId: string | undefined;
  private onProgress: GenerationInput['onProgress'];
  private ended: ProviderError | 'done' | undefined;
  private wake: (() => void) | undefined;
  /** Events that arrive before we know our prompt id (a fast server). */
  private readonly early: Array<Record<string, unknown>> = [];

  constructor(url: string, signal: AbortSignal) {
    try {
      this.socket = new WebSocket(url);
      this.socket.addEventListener('message', (event) => {
        this.handle(event.data);
      });
      signal.addEventListener('abort', () => {
        this.close();
      }, { once: true });
    } catch {
      this.socket = undefined;
    }
  }

  /** Resolves when open, closed or after `ms`, whichever comes first. */
  opened(ms: number): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== WebSocket.CONNECTING) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      socket.addEventListener('open', done, { once: true });
      socket.addEventListener('error', done, { once: true });
      socket.addEventListener('close', done, { once: true });
    });
  }

  follow(promptId: string, onProgress: GenerationInput['onProgress']): void {
    this.promptId = promptId;
    this.onProgress = onProgress;
    for (const message of this.early.splice(0)) this.apply(message);
  }

  /** Resolves when the prompt ended by the socket's word (never, without a socket). */
  finished(): Promise<void> {
    if (this.ended !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  hasEnded(): boolean {
    return this.ended !== undefined;
  }

  failure(): ProviderError | undefined {
    return this.ended instanceof ProviderError ? this.ended : undefined;
  }

  close(): void {
    try {
      this.socket?.close();
    } catch {
      // already closed
    }
  }

  private handle(data: unknown): void {
    if (typeof data !== 'string') return; // binary previews
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!isRecord(message)) return;
    if (this.promptId === undefined) this.early.push(message);
    else this.apply(message);
  }

  private apply(message: Record<string, unknown>): void {
    const data = isRecord(message.data) ? message.data : {};
    if (data.prompt_id !== this.promptId) return;
    switch (message.type) {
      case 'progress':
        if (typeof data.value === 'number' && typeof data.max === 'number' && data.max > 0) this.onProgress?.(Math.min(1, data.value / data.max));
        return;
      case 'executing':
        if (data.node === null) this.end('done');
        return;
      case 'execution_success':
        this.end('done');
        return;
      case 'execution_error':
        this.end(new ProviderError('server_error', `ComfyUI: ${stringField(data, 'node_type') ?? 'a node'} failed: ${(stringField(data, 'exception_message') ?? 'unknown error').trim()}`));
        return;
      case 'execution_interrupted':
        this.end(new ProviderError('server_error', 'ComfyUI: the prompt was interrupted on the server'));
        return;
      default:
    }
  }

  private end(outcome: ProviderError | 'done'): void {
    this.ended ??= outcome;
    this.wake?.();
  }
}
