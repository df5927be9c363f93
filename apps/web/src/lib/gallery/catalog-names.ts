import { defaultCatalog, extendedCatalog, operationLabel, isOperation, type Catalog } from '@atelier/pricing';

/** The catalog the server prices with (PreflightService.catalogFor): one for every org today. */
export const catalog: Catalog = defaultCatalog;

export interface ModelOption {
  id: string;
  name: string;
  provider: string;
}

export const modelOptions: readonly ModelOption[] = catalog.models.map((model) => ({ id: model.id, name: model.name, provider: model.provider }));

// Names come from the extended catalog (the default's models and the ones beyond it), so models
// an org priced with it used are named too.
const names = new Map(extendedCatalog.models.map((model) => [model.id, model.name]));

/** "Flux.1 [dev]" for "flux-dev"; an id the catalog no longer lists is shown as is. */
export function modelName(id: string): string {
  return names.get(id) ?? id;
}

/** "search & replace" for "search-and-replace". */
export function operationName(operation: string): string {
  return isOperation(operation) ? operationLabel(operation) : operation;
}
