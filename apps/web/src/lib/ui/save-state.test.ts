import { describe, expect, test } from 'vitest';
import { SaveState } from './save-state.svelte.js';

describe('SaveState', () => {
  test('shows progress, then saved; a failure keeps the error to show; a second save while one runs is ignored', async () => {
    const save = new SaveState();
    let finish: () => void = () => undefined;
    const first = save.run(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(save.saving).toBe(true);
    expect(await save.run(() => Promise.resolve())).toBe(false);
    finish();
    expect(await first).toBe(true);
    expect({ saving: save.saving, saved: save.saved, error: save.error }).toEqual({ saving: false, saved: true, error: undefined });

    const failure = new Error('refused');
    expect(await save.run(() => Promise.reject(failure))).toBe(false);
    expect({ saving: save.saving, saved: save.saved, error: save.error }).toEqual({ saving: false, saved: false, error: failure });
    save.reset();
    expect(save.error).toBeUndefined();
  });
});
