import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Operation } from '@atelier/pricing';
import { isRecord } from './http.js';

/** The workflow templates a ComfyUI server runs: one per kind of operation. */
export type ComfyWorkflowKind = 'text-to-image' | 'inpaint' | 'outpaint' | 'upscale';
export const comfyWorkflowKinds: readonly ComfyWorkflowKind[] = ['text-to-image', 'inpaint', 'outpaint', 'upscale'];

/** A workflow in ComfyUI's API format: node id → { class_type, inputs, _meta? }. */
export type ComfyWorkflow = Record<string, { class_type: string; inputs: Record<string, unknown>; _meta?: { title?: string } }>;
export type ComfyWorkflows = Partial<Record<ComfyWorkflowKind, ComfyWorkflow>>;

/**
 * The placeholders a template may use. A string that is exactly one placeholder is replaced by
 * the value with its type (numbers stay numbers); a placeholder inside a longer string is replaced
 * by its text.
 */
export const comfyPlaceholders = ['prompt', 'negative_prompt', 'seed', 'steps', 'width', 'height', 'source_image', 'mask_image', 'left', 'top', 'right', 'bottom'] as const;
export type ComfyPlaceholder = (typeof comfyPlaceholders)[number];
export type ComfyValues = Partial<Record<ComfyPlaceholder, string | number>>;

/** The built-in templates (FLUX.1 [dev] checkpoint, RealESRGAN 4× upscale), shipped with the server. */
export const builtInComfyWorkflowsDir = fileURLToPath(new URL('../../comfyui-workflows/', import.meta.url));

/** The node whose images are the result: the one titled `atelier-output`, else any SaveImage. */
export const comfyOutputTitle = 'atelier-output';

const placeholderPattern = /\{\{\s*([a-z_]+)\s*\}\}/g;

/** Which template runs an operation. */
export function comfyWorkflowKindOf(operation: Operation): ComfyWorkflowKind | undefined {
  switch (operation) {
    case 'text-to-image':
    case 'inpaint':
    case 'outpaint':
      return operation;
    case 'upscale-fast':
    case 'upscale-conservative':
    case 'upscale-creative':
      return 'upscale';
    default:
      return undefined;
  }
}

/**
 * Reads `<kind>.json` from a folder for each kind present. Each must be an API-format workflow
 * (an object of nodes with `class_type` and `inputs`) using only known placeholders, with a
 * SaveImage node; anything else throws at start-up, naming the file.
 */
export function loadComfyWorkflows(dir: string): ComfyWorkflows {
  const workflows: ComfyWorkflows = {};
  for (const kind of comfyWorkflowKinds) {
    const file = join(dir, `${kind}.json`);
    if (!existsSync(file)) continue;
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`ComfyUI workflow ${file}: not JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    workflows[kind] = checkComfyWorkflow(data, file);
  }
  return workflows;
}

export function checkComfyWorkflow(data: unknown, name: string): ComfyWorkflow {
  if (!isRecord(data) || Object.keys(data).length === 0) throw new Error(`ComfyUI workflow ${name}: must be a workflow in API format (an object of nodes; "Export (API)" in ComfyUI)`);
  let saves = false;
  for (const [id, node] of Object.entries(data)) {
    if (!isRecord(node) || typeof node.class_type !== 'string' || !isRecord(node.inputs)) {
      throw new Error(`ComfyUI workflow ${name}: node ${id} needs class_type and inputs (is this the API format?)`);
    }
    if (node.class_type === 'SaveImage') saves = true;
  }
  if (!saves) throw new Error(`ComfyUI workflow ${name}: has no SaveImage node for the result`);
  for (const match of JSON.stringify(data).matchAll(placeholderPattern)) {
    const placeholder = match[1] ?? '';
    if (!(comfyPlaceholders as readonly string[]).includes(placeholder)) {
      throw new Error(`ComfyUI workflow ${name}: unknown placeholder {{${placeholder}}} (known: ${comfyPlaceholders.join(', ')})`);
    }
  }
  return data as ComfyWorkflow;
}

/** The template with our request's values in its placeholders (a deep copy). */
export function fillComfyWorkflow(workflow: ComfyWorkflow, values: ComfyValues): ComfyWorkflow {
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') return fillString(value, values);
    if (Array.isArray(value)) return value.map(fill);
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fill(inner)]));
    return value;
  };
  return fill(workflow) as ComfyWorkflow;
}

function fillString(text: string, values: ComfyValues): unknown {
  const whole = /^\{\{\s*([a-z_]+)\s*\}\}$/.exec(text);
  if (whole !== null) {
    const value = values[whole[1] as ComfyPlaceholder];
    return value ?? '';
  }
  return text.replace(placeholderPattern, (_match, name: string) => String(values[name as ComfyPlaceholder] ?? ''));
}

/** The id of the node whose images are the result. */
export function comfyOutputNode(workflow: ComfyWorkflow): string | undefined {
  const entries = Object.entries(workflow);
  return (entries.find(([, node]) => node._meta?.title === comfyOutputTitle) ?? entries.find(([, node]) => node.class_type === 'SaveImage'))?.[0];
}
