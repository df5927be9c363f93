import type { AllowancePeriod } from './catalog.js';
import type { EstimateError } from './errors.js';
import type { Operation } from './operation.js';

export type EstimateResult = EstimateSuccess | EstimateFailure;

export interface EstimateSuccess {
  readonly ok: true;
  /** The whole price: a whole number, ≥ the catalog minimum unless free units cover every image. */
  readonly credits: number;
  /** How the price was reached, in words; their `credits` add up to `credits`. */
  readonly lineItems: readonly LineItem[];
  /** Record both on the job: they say which prices this was. */
  readonly catalogId: string;
  readonly catalogVersion: number;
  readonly operation: Operation;
  /** The model that prices and runs the request (a quality level's pick, or the default). */
  readonly modelId: string;
  readonly provider: string;
  /** The step count it was priced with (the model's default when the request gave none); undefined for models without steps. */
  readonly steps: number | undefined;
  /** Free units this request spends; the server adds them to the period's usage when it runs. */
  readonly freeUnits?: FreeUnitsSpent;
}

export interface EstimateFailure {
  readonly ok: false;
  readonly errors: readonly EstimateError[];
}

export interface LineItem {
  /** For a person: "Flux.1 [dev] text-to-image, 1024×1440 = 1.47 MP × 28 steps × 1.9 credits per MP·step = 78 credits". */
  readonly description: string;
  /** Images this line covers. */
  readonly quantity: number;
  readonly unitCredits: number;
  /** quantity × unitCredits. */
  readonly credits: number;
}

export interface FreeUnitsSpent {
  readonly allowanceId: string;
  readonly period: AllowancePeriod;
  readonly units: number;
}
