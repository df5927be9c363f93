import { z } from 'zod';
import { providerIds, type ProviderId } from '../providers/provider.js';

/**
 * Every task the queue runs, by name, with the schema of its payload. A task is enqueued and
 * handled through this map only, so its payload is type-checked where it is added and validated
 * where it is run (a row edited by hand, or left by an older version, fails loudly, not oddly).
 */
export const taskPayloads = {
  generate: z.object({ jobId: z.uuid() }),
  'alert:email': z.object({ alertId: z.uuid(), userId: z.uuid() }),
  'alert:webhook': z.object({ alertId: z.uuid(), attempt: z.number().int().min(1) }),
} as const;

export type TaskName = keyof typeof taskPayloads;
export type TaskPayload<K extends TaskName> = z.infer<(typeof taskPayloads)[K]>;

/** What a handler gets besides its payload: its attempt, and a signal that fires when the worker stops. */
export interface TaskContext {
  attempts: number;
  maxAttempts: number;
  abortSignal: AbortSignal;
}

export type TaskHandler<K extends TaskName> = (payload: TaskPayload<K>, context: TaskContext) => Promise<void>;

/** Handlers of a group of tasks: one for each name, none missing (checked when the group starts). */
export type TaskHandlers<K extends TaskName> = { [Name in K]: TaskHandler<Name> };

/** Generation jobs run per provider, each in its own worker pool: the queue's task name for one. */
export function generationTask(provider: ProviderId): string {
  return `generate:${provider}`;
}

/** One generation handler and its concurrency per provider: every provider must have one. */
export type GenerationRunners = Record<ProviderId, { concurrency: number; handler: TaskHandler<'generate'> }>;

/** Fails start-up when a provider has no runner (a new adapter added without one). */
export function assertEveryProviderRuns(runners: Partial<GenerationRunners>): asserts runners is GenerationRunners {
  const missing = providerIds.filter((id) => runners[id] === undefined);
  if (missing.length > 0) throw new Error(`no job runner for provider(s) ${missing.join(', ')}: add them to the generation runners`);
}
