import { describe, expect, it } from 'vitest';
import { providerIds } from '../providers/provider.js';
import { assertEveryProviderRuns, taskPayloads, type GenerationRunners } from './queue-tasks.js';

describe('queue tasks', () => {
  const handler = () => Promise.resolve();
  const every: Partial<GenerationRunners> = Object.fromEntries(providerIds.map((id) => [id, { concurrency: 1, handler }]));

  it('starts when every provider has a generation runner', () => {
    expect(() => {
      assertEveryProviderRuns(every);
    }).not.toThrow();
  });

  it('refuses to start when a provider has none, naming it', () => {
    const { google: _google, ...withoutGoogle } = every;
    expect(() => {
      assertEveryProviderRuns(withoutGoogle);
    }).toThrow(/no job runner for provider\(s\) google/);
  });

  it('validates each payload against its task', () => {
    expect(taskPayloads.generate.safeParse({ jobId: crypto.randomUUID() }).success).toBe(true);
    expect(taskPayloads.generate.safeParse({ job: 'x' }).success).toBe(false);
    expect(taskPayloads['alert:webhook'].safeParse({ alertId: crypto.randomUUID(), attempt: 0 }).success).toBe(false);
  });
});
