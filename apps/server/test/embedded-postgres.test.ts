import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('loading the embedded Postgres', () => {
  it('leaves the exit code alone (its exit hook used to turn failing test runs into passes)', () => {
    const fixture = fileURLToPath(new URL('./fixtures/exit-code.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--conditions=@atelier/source', '--import', 'tsx/esm', fixture], {
      encoding: 'utf8',
      env: { ...process.env, TSX_TSCONFIG_PATH: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(3);
  });
});
