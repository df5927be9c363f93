/** Injection tokens of the jobs module's pluggable parts. */
export const ASSET_STORAGE = Symbol('ASSET_STORAGE');
export const PROVIDER_REGISTRY = Symbol('PROVIDER_REGISTRY');
