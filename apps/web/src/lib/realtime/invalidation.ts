import type { CommentEvent, JobView } from '@atelier/contracts';

/** The `depends()` keys of the org pages' loads. */
export type DependencyKey =
  | 'app:org'
  | 'app:team'
  | 'app:gallery'
  | 'app:asset'
  | 'app:usage'
  | 'app:boards'
  | 'app:board'
  | 'app:billing'
  | 'app:providers'
  | 'app:workspaces'
  | 'app:workspace';

/** Something the live store heard that can make loaded data stale. */
export type RealtimeChange = { kind: 'job-settled'; job: JobView } | { kind: 'comment'; event: CommentEvent };

/**
 * Which loads a realtime change makes stale: a finished job moved its author's spent and
 * remaining (the team), and one that made images adds them to the gallery; a comment changes the
 * counts a board shows.
 */
export function dependenciesOf(change: RealtimeChange): DependencyKey[] {
  if (change.kind === 'comment') return ['app:board'];
  const { job } = change;
  if (job.status === 'queued' || job.status === 'running') return [];
  return job.status === 'succeeded' && job.assetIds.length > 0 ? ['app:team', 'app:gallery'] : ['app:team'];
}

/**
 * Finds the jobs that settled since the last look at the live job list. The first look only
 * records what is already settled: the page's load read the data after those.
 */
export class SettledJobs {
  private seen: Set<string> | undefined;

  next(jobs: readonly JobView[]): JobView[] {
    const settled = jobs.filter((job) => job.status !== 'queued' && job.status !== 'running');
    const keys = settled.map((job) => `${job.id}:${job.status}`);
    const previous = this.seen;
    this.seen = new Set(keys);
    if (previous === undefined) return [];
    return settled.filter((_job, index) => !previous.has(keys[index] ?? ''));
  }
}

interface Timers {
  setTimeout: (run: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}
const realTimers: Timers = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/**
 * Runs `run(key)` at most once per `delayMs` of that key: the first request waits `delayMs`
 * (changes come in bursts: a job's images, a batch of jobs) and the requests meanwhile join it.
 */
export class KeyThrottle<K extends string> {
  private readonly pending = new Map<K, unknown>();

  constructor(
    private readonly run: (key: K) => void,
    private readonly delayMs: (key: K) => number,
    private readonly timers: Timers = realTimers,
  ) {}

  request(key: K): void {
    if (this.pending.has(key)) return;
    this.pending.set(
      key,
      this.timers.setTimeout(() => {
        this.pending.delete(key);
        this.run(key);
      }, this.delayMs(key)),
    );
  }

  cancel(): void {
    for (const handle of this.pending.values()) this.timers.clearTimeout(handle);
    this.pending.clear();
  }
}
