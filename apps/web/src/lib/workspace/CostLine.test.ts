import { defaultCatalog } from '@atelier/pricing';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import CostLine from './CostLine.svelte';
import { assess, type Limits } from './generation.js';

const roomy: Limits = { poolAvailable: 10_000, budgetRemaining: null, projectRemaining: null, allowedModels: null, canGenerate: true };
const fluxDev = { operation: 'text-to-image', model: 'flux-dev', width: 1024, height: 1024, steps: 25 };

function costOf(): string {
  return screen.getByTestId('cost').textContent;
}

describe('cost line', () => {
  test('shows the exact price of the settings, and follows them as they change', async () => {
    const view = render(CostLine, { assessment: assess({ settings: fluxDev, prompt: 'a fox' }, roomy, defaultCatalog) });
    // 1024×1024 = 1.05 MP × 25 steps × 1.9 credits per MP·step.
    expect(costOf()).toBe('50 credits');

    await view.rerender({ assessment: assess({ settings: { ...fluxDev, variations: 2 }, prompt: 'a fox' }, roomy, defaultCatalog) });
    expect(costOf()).toBe('100 credits');
    expect(screen.getByText('9,900 credits left to spend after this.')).toBeTruthy();
  });

  test('the breakdown appears on demand, line by line', async () => {
    const user = userEvent.setup();
    render(CostLine, { assessment: assess({ settings: fluxDev, prompt: 'a fox' }, roomy, defaultCatalog) });
    expect(screen.queryByRole('list', { name: 'Price breakdown' })).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Breakdown' }));
    const breakdown = screen.getByRole('list', { name: 'Price breakdown' });
    expect(breakdown.textContent).toContain('Flux.1 [dev] text-to-image, 1024×1024 = 1.05 MP × 25 steps × 1.9 credits per MP·step = 50 credits');
    expect(screen.getByRole('button', { name: 'Hide breakdown' }).getAttribute('aria-expanded')).toBe('true');
  });

  test('offers cheaper settings that fit when the price is over what I can spend', async () => {
    const user = userEvent.setup();
    const apply = vi.fn();
    const tight: Limits = { ...roomy, budgetRemaining: 20 };
    const assessment = assess({ settings: fluxDev, prompt: 'a fox' }, tight, defaultCatalog);
    render(CostLine, { assessment, onApplySuggestion: apply });

    expect(costOf()).toBe('50 credits');
    expect(screen.getByTestId('cheaper').textContent).toContain('To fit 20 credits: 704×704 instead of 1024×1024, 21 steps instead of 25 (20 credits)');
    await user.click(screen.getByRole('button', { name: 'Use 20 credits settings' }));
    expect(apply).toHaveBeenCalledOnce();
  });

  test('says why settings cannot be priced', () => {
    render(CostLine, { assessment: assess({ settings: { ...fluxDev, width: 1000 }, prompt: 'a fox' }, roomy, defaultCatalog) });
    expect(screen.queryByTestId('cost')).toBeNull();
    expect(screen.getByRole('status').textContent).toMatch(/Cannot price these settings: .*width/i);
  });
});
