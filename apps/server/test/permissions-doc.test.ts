import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { permissions, roles } from '@atelier/contracts';

describe('the documented permission table', () => {
  it('is the one in code', () => {
    const page = readFileSync(new URL('../../../docs/PERMISSIONS.md', import.meta.url), 'utf8');
    const documented: Record<string, string[]> = {};
    for (const line of page.split('\n')) {
      const cells = line.split('|').map((cell) => cell.trim());
      const name = /^`(.+)`$/.exec(cells[1] ?? '')?.[1];
      if (name === undefined) continue;
      documented[name] = roles.filter((_role, index) => cells[3 + index] === '✓');
    }
    expect(documented).toEqual(Object.fromEntries(Object.entries(permissions).map(([name, allowed]) => [name, [...allowed]])));
  });
});
