import type { Operation } from './operation.js';

/** What an operation needs besides its pricing request: the inputs a workspace must offer a control for. */
export interface OperationInputs {
  /** A text prompt (what to make, the replacement, the new background, the instruction). */
  readonly prompt: boolean;
  /** Search & replace / recolor: what to find in the source image. */
  readonly searchPrompt: boolean;
  /** A source image from the gallery (every operation but text-to-image). */
  readonly source: boolean;
  /** A painted mask (inpaint). */
  readonly mask: boolean;
}

const inputs: Readonly<Record<Operation, OperationInputs>> = {
  'text-to-image': { prompt: true, searchPrompt: false, source: false, mask: false },
  inpaint: { prompt: true, searchPrompt: false, source: true, mask: true },
  outpaint: { prompt: false, searchPrompt: false, source: true, mask: false },
  'remove-background': { prompt: false, searchPrompt: false, source: true, mask: false },
  'search-and-replace': { prompt: true, searchPrompt: true, source: true, mask: false },
  'search-and-recolor': { prompt: true, searchPrompt: true, source: true, mask: false },
  'replace-background-and-relight': { prompt: true, searchPrompt: false, source: true, mask: false },
  'general-edit': { prompt: true, searchPrompt: false, source: true, mask: false },
  'upscale-fast': { prompt: false, searchPrompt: false, source: true, mask: false },
  'upscale-conservative': { prompt: false, searchPrompt: false, source: true, mask: false },
  'upscale-creative': { prompt: true, searchPrompt: false, source: true, mask: false },
};

export function operationInputs(operation: Operation): OperationInputs {
  return inputs[operation];
}
