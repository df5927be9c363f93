export * from './provider.js';
export { LocalProvider, localLimits, localUpscaleSize, type LocalProviderOptions } from './local.provider.js';
export {
  BlackForestLabsProvider,
  blackForestLabsBaseUrl,
  blackForestLabsLimits,
  type BlackForestLabsOptions,
} from './black-forest-labs.provider.js';
export {
  StabilityProvider,
  stabilityBaseUrl,
  stabilityLimits,
  stabilityAspectRatios,
  nearestAspectRatio,
  defaultUpscalePrompt,
  type StabilityOptions,
  type StabilityAspectRatio,
} from './stability.provider.js';
export { withRetries, retryDelayMs, retryLimits, type RetryOptions } from './retry.js';
export { withPngText, readPngText, pngChunks, pngTextLimits, type PngChunk } from './png-text.js';
export { ProviderRegistry, type ProviderAdapters } from './provider-registry.js';
export { parseRetryAfter, type FetchFunction } from './http.js';
export { WavespeedProvider, wavespeedBaseUrl, wavespeedLimits, nearestIdeogramRatio, ideogramAspectRatios, type WavespeedOptions } from './wavespeed.provider.js';
export { ProviderHealth, healthView, providerHealthWindow, type ProviderHealthView, type ProviderCallOutcome } from './provider-health.js';
export { HuggingFaceProvider, huggingFaceBaseUrl, huggingFaceLimits, type HuggingFaceOptions } from './hugging-face.provider.js';
export { FalProvider, falBaseUrl, falLimits, type FalOptions } from './fal.provider.js';
export { GoogleProvider, googleBaseUrl, googleLimits, imagenAspectRatios, nearestImagenRatio, type GoogleOptions } from './google.provider.js';
export { OpenAiProvider, openAiBaseUrl, openAiLimits, gptImageSizes, nearestGptImageSize, openAiMask, removeBackgroundPrompt, type OpenAiOptions } from './openai.provider.js';
export { ComfyUiProvider, comfyUiLimits, type ComfyUiOptions } from './comfyui.provider.js';
export { loadComfyWorkflows, fillComfyWorkflow, checkComfyWorkflow, builtInComfyWorkflowsDir, comfyPlaceholders, comfyWorkflowKindOf, type ComfyWorkflow, type ComfyWorkflows } from './comfyui-workflows.js';
