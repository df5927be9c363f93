import type { Catalog } from './catalog.js';
import defaultData from './catalogs/default.json' with { type: 'json' };
import extendedData from './catalogs/extended-models.json' with { type: 'json' };
import listAData from './catalogs/list-a.json' with { type: 'json' };
import listBData from './catalogs/list-b.json' with { type: 'json' };
import { loadBuiltInCatalog } from './parse-catalog.js';

// Parsed where they are declared, so a broken catalog fails the first test that imports it.
// Parsing is pure; the annotations let a bundler drop the catalogs an app does not import.

/** List A, a Flux generator app priced in tokens per megapixel·step. */
export const listA: Catalog = /* @__PURE__ */ loadBuiltInCatalog(listAData);

/** List B, a multi-provider studio priced in flat credits with size ranges and free tiers. */
export const listB: Catalog = /* @__PURE__ */ loadBuiltInCatalog(listBData);

/** Atelier's catalog: List A's tokens as they are, List B's credits × 10, one credit unit. */
export const defaultCatalog: Catalog = /* @__PURE__ */ loadBuiltInCatalog(defaultData);

/**
 * The default catalog and, on the same credit scale, the models beyond both reference lists that
 * real providers serve (OpenAI's gpt-image-1, …): the default's models and prices unchanged, the
 * extra models after them. An org opts in; the default catalog stays the two lists.
 */
export const extendedCatalog: Catalog = /* @__PURE__ */ loadBuiltInCatalog({
  ...defaultData,
  id: extendedData.id,
  version: extendedData.version,
  name: extendedData.name,
  models: [...defaultData.models, ...extendedData.models],
});

export const catalogs = { listA, listB, defaultCatalog, extendedCatalog } as const;
