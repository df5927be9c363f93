import type { CommentEvent, JobView } from '@atelier/contracts';
import { describe, expect, test, vi } from 'vitest';
import { dependenciesOf, KeyThrottle, SettledJobs } from './invalidation.js';

function job(id: string, status: JobView['status'], assetIds: string[] = []): JobView {
  return { id, status, assetIds } as unknown as JobView;
}

describe('dependenciesOf', () => {
  test('a job still running makes nothing stale', () => {
    expect(dependenciesOf({ kind: 'job-settled', job: job('a', 'running') })).toEqual([]);
    expect(dependenciesOf({ kind: 'job-settled', job: job('a', 'queued') })).toEqual([]);
  });

  test('a finished job moves the team’s spending; one with images adds them to the gallery', () => {
    expect(dependenciesOf({ kind: 'job-settled', job: job('a', 'succeeded', ['x']) })).toEqual(['app:team', 'app:gallery']);
    expect(dependenciesOf({ kind: 'job-settled', job: job('a', 'succeeded') })).toEqual(['app:team']);
    expect(dependenciesOf({ kind: 'job-settled', job: job('a', 'failed') })).toEqual(['app:team']);
    expect(dependenciesOf({ kind: 'job-settled', job: job('a', 'cancelled') })).toEqual(['app:team']);
  });

  test('a comment changes a board’s counts', () => {
    expect(dependenciesOf({ kind: 'comment', event: { assetId: 'x' } as unknown as CommentEvent })).toEqual(['app:board']);
  });
});

describe('SettledJobs', () => {
  test('the first look is the baseline; later looks return the jobs that settled since', () => {
    const settled = new SettledJobs();
    expect(settled.next([job('a', 'succeeded'), job('b', 'running')])).toEqual([]);
    expect(settled.next([job('a', 'succeeded'), job('b', 'running')])).toEqual([]);
    const b = job('b', 'failed');
    expect(settled.next([b, job('a', 'succeeded'), job('c', 'queued')])).toEqual([b]);
    const c = job('c', 'succeeded', ['x']);
    expect(settled.next([c, b, job('a', 'succeeded')])).toEqual([c]);
  });

  test('a job already settled that only now appears (the team’s history) counts once', () => {
    const settled = new SettledJobs();
    settled.next([]);
    const old = job('old', 'succeeded', ['x']);
    expect(settled.next([old])).toEqual([old]);
    expect(settled.next([old])).toEqual([]);
  });
});

describe('KeyThrottle', () => {
  test('runs a key once per delay, the requests meanwhile joining the first', () => {
    vi.useFakeTimers();
    try {
      const run = vi.fn<(key: string) => void>();
      const throttle = new KeyThrottle<string>(run, (key) => (key === 'app:team' ? 2000 : 300));
      throttle.request('app:team');
      throttle.request('app:gallery');
      vi.advanceTimersByTime(1000);
      throttle.request('app:team');
      expect(run.mock.calls).toEqual([['app:gallery']]);
      vi.advanceTimersByTime(1000);
      expect(run.mock.calls).toEqual([['app:gallery'], ['app:team']]);
      throttle.request('app:team');
      vi.advanceTimersByTime(1999);
      expect(run).toHaveBeenCalledTimes(2);
      vi.advanceTimersByTime(1);
      expect(run).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });

  test('cancel drops what is waiting', () => {
    vi.useFakeTimers();
    try {
      const run = vi.fn<(key: string) => void>();
      const throttle = new KeyThrottle<string>(run, () => 500);
      throttle.request('app:team');
      throttle.cancel();
      vi.advanceTimersByTime(1000);
      expect(run).not.toHaveBeenCalled();
      throttle.request('app:team');
      vi.advanceTimersByTime(500);
      expect(run).toHaveBeenCalledWith('app:team');
    } finally {
      vi.useRealTimers();
    }
  });
});
