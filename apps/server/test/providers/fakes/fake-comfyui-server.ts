import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { WebSocketServer, type WebSocket } from 'ws';
import { Script, startFakeHttpServer, type FakeHttpServer, type RecordedRequest, type Reply } from './fake-http.js';
import type { FakeBehaviour, FakeTask, Phase } from './fake-async-provider.js';
import { parseForm } from './fake-stability-server.js';

type Workflow = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

interface Run {
  id: string;
  clientId: string;
  workflow: Workflow;
  pendingLeft: number;
  outcome: FakeTask['outcome'];
  /** The SaveImage node and the size it will save. */
  output: { node: string; width: number; height: number };
  done: boolean;
}

/**
 * A local stand-in for a ComfyUI server, following its documented routes: POST /upload/image
 * (multipart `image`, `type`, `overwrite` → `{ name, subfolder, type }`); POST /prompt (`{ prompt,
 * client_id }` → `{ prompt_id, number, node_errors }`, or 400 `{ error, node_errors }` when the
 * workflow does not validate: unknown node types, a LoadImage of a file never uploaded, a leftover
 * placeholder, a non-numeric seed/steps/size); the websocket /ws?clientId= (status on connect, then
 * for our prompt execution_start, executing per node, progress { value, max }, executed,
 * execution_success or execution_error, and executing with node null); GET /history/{id} (`{}`
 * while it runs, then `{ [id]: { prompt, outputs: { node: { images: [{ filename, subfolder, type }] } },
 * status: { status_str, completed, messages } } }`); GET /view?filename&subfolder&type (the PNG).
 * It renders real images: EmptyLatentImage's size, the source's size for edits, padded for
 * ImagePadForOutpaint, 4× for ImageUpscaleWithModel. No authentication of its own; a proxy token,
 * when sent, must be right.
 */
export class FakeComfyUiServer {
  readonly scripts: Record<Phase, Script<FakeBehaviour>> = { submit: new Script(), poll: new Script(), result: new Script(), download: new Script(), upload: new Script() };
  /** History answers "not yet" this many times per run before it has the result. */
  pendingPolls = 0;
  readonly outcomes = new Script<FakeTask['outcome']>();
  /** When false, the websocket says nothing about runs (the adapter must rely on /history). */
  websocketEvents = true;
  readonly runs = new Map<string, Run>();
  readonly uploads = new Map<string, Buffer>();
  private readonly outputs = new Map<string, { width: number; height: number }>();
  private readonly sockets = new Map<string, WebSocket>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private server!: FakeHttpServer;
  private counter = 0;

  private constructor(private readonly token: string | undefined) {}

  static async start(options: { token?: string } = {}): Promise<FakeComfyUiServer> {
    const fake = new FakeComfyUiServer(options.token);
    fake.server = await startFakeHttpServer((request) => fake.handle(request), {
      onUpgrade: (request, socket, head) => {
        const url = new URL(request.url ?? '/', 'http://fake');
        if (url.pathname !== '/ws') {
          socket.destroy();
          return;
        }
        fake.wss.handleUpgrade(request, socket, head, (ws) => {
          const clientId = url.searchParams.get('clientId') ?? randomUUID();
          fake.sockets.set(clientId, ws);
          ws.send(JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: clientId } }));
        });
      },
    });
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets.values()) ws.terminate();
    this.wss.close();
    await this.server.close();
  }

  phaseOf(request: RecordedRequest): Phase | undefined {
    if (request.method === 'POST' && request.path === '/upload/image') return 'upload';
    if (request.method === 'POST' && request.path === '/prompt') return 'submit';
    if (request.method === 'GET' && request.path.startsWith('/history/')) return 'poll';
    if (request.method === 'GET' && request.path === '/view') return 'download';
    return undefined;
  }

  requests(phase: Phase): RecordedRequest[] {
    return this.server.requests.filter((request) => this.phaseOf(request) === phase);
  }

  /** The workflow of the n-th queued prompt, as the server got it. */
  queued(index = 0): { prompt: Workflow; client_id: string } {
    const request = this.requests('submit')[index];
    if (request === undefined) throw new Error(`no prompt #${String(index)}`);
    return JSON.parse(request.body.toString('utf8')) as { prompt: Workflow; client_id: string };
  }

  private async handle(request: RecordedRequest): Promise<Reply> {
    const phase = this.phaseOf(request);
    if (phase === undefined) return { status: 404, body: '404: Not Found' };
    const scripted = this.scripts[phase].take();
    if (scripted?.kind === 'hang') return 'hang';
    if (scripted?.kind === 'malformed') return { status: 200, headers: { 'content-type': 'application/json' }, body: '<html>502 Bad Gateway</html>' };
    if (scripted?.kind === 'http') return { status: scripted.status, body: scripted.body as object, ...(scripted.headers === undefined ? {} : { headers: scripted.headers }) };
    const authorization = request.headers.authorization;
    if (authorization !== undefined && authorization !== `Bearer ${this.token ?? ''}`) return { status: 401, body: { error: 'Unauthorized' } };
    switch (phase) {
      case 'upload':
        return this.upload(request);
      case 'submit':
        return this.queue(request);
      case 'poll':
        return this.history(request);
      default:
        return this.view(request);
    }
  }

  private async upload(request: RecordedRequest): Promise<Reply> {
    const form = await parseForm(request);
    const file = form.files.image;
    if (file === undefined) return { status: 400, body: 'image is required' };
    this.uploads.set(file.filename, file.bytes);
    return { status: 200, body: { name: file.filename, subfolder: '', type: form.fields.type ?? 'input' } };
  }

  private async queue(request: RecordedRequest): Promise<Reply> {
    const body = JSON.parse(request.body.toString('utf8')) as { prompt?: Workflow; client_id?: string };
    const workflow = body.prompt;
    if (workflow === undefined || typeof workflow !== 'object') return invalid('invalid_prompt', 'Invalid prompt: no prompt', {});
    const problems = validate(workflow, this.uploads);
    if (Object.keys(problems).length > 0) return invalid('prompt_outputs_failed_validation', 'Prompt outputs failed validation', problems);
    const output = await this.plan(workflow);
    const run: Run = { id: randomUUID(), clientId: body.client_id ?? '', workflow, pendingLeft: this.pendingPolls, outcome: this.outcomes.take() ?? 'ready', output, done: false };
    this.runs.set(run.id, run);
    this.counter += 1;
    setTimeout(() => {
      this.execute(run);
    }, 5);
    return { status: 200, body: { prompt_id: run.id, number: this.counter, node_errors: {} } };
  }

  /** The websocket story of a run; the history has the result once its pending polls are spent. */
  private execute(run: Run): void {
    const send = (type: string, data: Record<string, unknown>): void => {
      if (this.websocketEvents) this.sockets.get(run.clientId)?.send(JSON.stringify({ type, data: { ...data, prompt_id: run.id } }));
    };
    send('execution_start', { timestamp: Date.now() });
    for (const [node, spec] of Object.entries(run.workflow)) {
      send('executing', { node, display_node: node });
      if (spec.class_type === 'KSampler' || spec.class_type === 'ImageUpscaleWithModel') {
        for (let value = 1; value <= 4; value += 1) send('progress', { value, max: 4, node });
      }
    }
    if (run.outcome === 'failed') {
      send('execution_error', { node_id: '5', node_type: 'KSampler', exception_message: 'CUDA out of memory. Tried to allocate 2.00 GiB', exception_type: 'torch.OutOfMemoryError' });
      return;
    }
    send('executed', { node: run.output.node, output: { images: [{ filename: `${run.id}.png`, subfolder: '', type: 'output' }] } });
    send('execution_success', { timestamp: Date.now() });
    send('executing', { node: null });
  }

  private history(request: RecordedRequest): Reply {
    const id = decodeURIComponent(request.path.slice('/history/'.length));
    const run = this.runs.get(id);
    if (run === undefined) return { status: 200, body: {} };
    if (run.pendingLeft > 0) {
      run.pendingLeft -= 1;
      return { status: 200, body: {} };
    }
    const failed = run.outcome === 'failed';
    const filename = `${run.id}.png`;
    if (!failed && !run.done) {
      run.done = true;
      this.outputs.set(filename, { width: run.output.width, height: run.output.height });
    }
    return {
      status: 200,
      body: {
        [id]: {
          prompt: [this.counter, id, run.workflow, { client_id: run.clientId }, [run.output.node]],
          outputs: failed ? {} : { [run.output.node]: { images: [{ filename, subfolder: '', type: 'output' }] } },
          status: {
            status_str: failed ? 'error' : 'success',
            completed: !failed,
            messages: failed ? [['execution_error', { prompt_id: id, node_id: '5', node_type: 'KSampler', exception_message: 'CUDA out of memory' }]] : [['execution_success', { prompt_id: id }]],
          },
        },
      },
    };
  }

  private async view(request: RecordedRequest): Promise<Reply> {
    const filename = request.query.get('filename') ?? '';
    const output = this.outputs.get(filename);
    if (output === undefined || request.query.get('type') !== 'output') return { status: 404, body: '404: Not Found' };
    const png = await sharp({ create: { width: output.width, height: output.height, channels: 3, background: { r: 90, g: 40, b: 160 } } }).png().toBuffer();
    return { status: 200, headers: { 'content-type': 'image/png' }, body: png };
  }

  /** Where the run's image comes from and its size, following the workflow's nodes. */
  private async plan(workflow: Workflow): Promise<Run['output']> {
    const save = Object.entries(workflow).find(([, node]) => node.class_type === 'SaveImage');
    if (save === undefined) throw new Error('validated: has a SaveImage');
    const sizeOf = async (link: unknown): Promise<{ width: number; height: number }> => {
      const from = Array.isArray(link) ? String(link[0]) : '';
      const node = workflow[from];
      if (node === undefined) return { width: 64, height: 64 };
      const inputs = node.inputs;
      switch (node.class_type) {
        case 'EmptyLatentImage':
          return { width: Number(inputs.width), height: Number(inputs.height) };
        case 'LoadImage': {
          const metadata = await sharp(this.uploads.get(String(inputs.image))).metadata();
          return { width: metadata.width, height: metadata.height };
        }
        case 'ImagePadForOutpaint': {
          const inner = await sizeOf(inputs.image);
          return { width: inner.width + Number(inputs.left) + Number(inputs.right), height: inner.height + Number(inputs.top) + Number(inputs.bottom) };
        }
        case 'ImageUpscaleWithModel': {
          const inner = await sizeOf(inputs.image);
          return { width: inner.width * 4, height: inner.height * 4 };
        }
        default: {
          // Follow the first linked input (VAEDecode → KSampler → latent → …).
          const next = ['images', 'samples', 'latent_image', 'pixels', 'image'].map((key) => inputs[key]).find(Array.isArray);
          return next === undefined ? { width: 64, height: 64 } : sizeOf(next);
        }
      }
    };
    const size = await sizeOf(save[1].inputs.images);
    return { node: save[0], ...size };
  }
}

const knownNodes = new Set([
  'CheckpointLoaderSimple', 'CLIPTextEncode', 'EmptyLatentImage', 'KSampler', 'VAEDecode', 'SaveImage', 'LoadImage', 'LoadImageMask',
  'VAEEncodeForInpaint', 'ImagePadForOutpaint', 'UpscaleModelLoader', 'ImageUpscaleWithModel',
]);

function validate(workflow: Workflow, uploads: Map<string, Buffer>): Record<string, { errors: { type: string; message: string; details: string }[]; class_type: string }> {
  const problems: Record<string, { errors: { type: string; message: string; details: string }[]; class_type: string }> = {};
  const flag = (id: string, classType: string, type: string, details: string): void => {
    (problems[id] ??= { errors: [], class_type: classType }).errors.push({ type, message: type === 'value_not_in_list' ? 'Value not in list' : 'Invalid input', details });
  };
  for (const [id, node] of Object.entries(workflow)) {
    if (!knownNodes.has(node.class_type)) flag(id, node.class_type, 'invalid_node_type', `Cannot execute because node ${node.class_type} does not exist.`);
    if (JSON.stringify(node.inputs).includes('{{')) flag(id, node.class_type, 'invalid_input_type', 'an input still holds a template placeholder');
    if ((node.class_type === 'LoadImage' || node.class_type === 'LoadImageMask') && !uploads.has(String(node.inputs.image))) {
      flag(id, node.class_type, 'value_not_in_list', `image: '${String(node.inputs.image)}' not in list`);
    }
    for (const key of ['seed', 'steps', 'width', 'height', 'left', 'top', 'right', 'bottom']) {
      if (key in node.inputs && typeof node.inputs[key] !== 'number') flag(id, node.class_type, 'invalid_input_type', `${key}: not a number`);
    }
  }
  return problems;
}

function invalid(type: string, message: string, nodeErrors: object): Reply {
  return { status: 400, body: { error: { type, message, details: '', extra_info: {} }, node_errors: nodeErrors } };
}
