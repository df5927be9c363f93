import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { MemberView, SetMemberBudgetRequest } from '@atelier/contracts';
import { ApiFailure } from '../api/errors.js';
import BudgetEditor from './BudgetEditor.svelte';

const models = [
  { id: 'flux-schnell', name: 'Flux.1 [schnell]', provider: 'black-forest-labs' },
  { id: 'flux-pro', name: 'Flux.1 [pro]', provider: 'black-forest-labs' },
  { id: 'stability-core', name: 'Stable Image Core', provider: 'stability' },
];

function member(overrides: Partial<MemberView> = {}): MemberView {
  return {
    userId: '6f1c2a52-8a39-4d7e-9a55-0d6f3f0c1a11',
    email: 'bea@example.com',
    name: 'Bea',
    role: 'member',
    joinedAt: '2026-11-01T10:00:00.000Z',
    alertThresholdsPercent: [80],
    allowedModels: null,
    budget: { limitCredits: 1000, period: 'month', spentCredits: 300, pendingCredits: 50, remainingCredits: 650, resetsAt: '2026-12-01T00:00:00.000Z' },
    ...overrides,
  };
}

function setup(props: { member?: MemberView; onsave?: (request: SetMemberBudgetRequest) => Promise<void> } = {}) {
  const onsave = vi.fn(props.onsave ?? (() => Promise.resolve()));
  const user = userEvent.setup();
  render(BudgetEditor, { props: { member: props.member ?? member(), models, onsave } });
  return { onsave, user };
}

describe('BudgetEditor', () => {
  it("shows the member's spent and remaining credits and the current settings", () => {
    setup();
    expect(screen.getByTestId('budget-current').textContent).toMatch(/spent 300 credits.*50 credits held by running jobs.*650 credits remaining/s);
    expect(screen.getByLabelText('Credits')).toHaveProperty('value', '1000');
    expect(screen.getByLabelText('Period')).toHaveProperty('value', 'month');
    expect(screen.getByLabelText('Alert at (% of the limit)')).toHaveProperty('value', '80');
    expect(screen.getByLabelText('Every model')).toHaveProperty('checked', true);
  });

  it('previews what is left as the limit is typed', async () => {
    const { user } = setup();
    const limit = screen.getByLabelText('Credits');
    await user.clear(limit);
    await user.type(limit, '500');
    expect(screen.getByTestId('budget-preview').textContent).toContain('Bea has 150 credits left this period');
    await user.clear(limit);
    await user.type(limit, '200');
    expect(screen.getByTestId('budget-preview').textContent).toContain('has 0 credits left');
  });

  it('saves limit, period, thresholds and an allow-list as the API expects', async () => {
    const { user, onsave } = setup();
    const limit = screen.getByLabelText('Credits');
    await user.clear(limit);
    await user.type(limit, '2500');
    await user.selectOptions(screen.getByLabelText('Period'), 'week');
    const thresholds = screen.getByLabelText('Alert at (% of the limit)');
    await user.clear(thresholds);
    await user.type(thresholds, '90, 50 75');
    await user.click(screen.getByLabelText('Only these models'));
    const list = screen.getByRole('list', { name: 'Allowed models' });
    await user.click(within(list).getByLabelText(/Flux\.1 \[schnell\]/));
    await user.click(within(list).getByLabelText(/Stable Image Core/));
    await user.click(screen.getByRole('button', { name: 'Save budget' }));

    expect(onsave).toHaveBeenCalledExactlyOnceWith({
      limitCredits: 2500,
      period: 'week',
      alertThresholdsPercent: [50, 75, 90],
      allowedModels: ['flux-schnell', 'stability-core'],
    });
    expect(await screen.findByText(/Saved\. Bea sees the new budget at once\./)).toBeTruthy();
  });

  it('saves "No limit" as a null limit and clears the allow-list', async () => {
    const { user, onsave } = setup({ member: member({ allowedModels: ['flux-pro'] }) });
    await user.click(screen.getByLabelText('No limit'));
    expect(screen.getByLabelText('Credits')).toHaveProperty('disabled', true);
    expect(screen.getByTestId('budget-preview').textContent).toContain('as much as the pool holds');
    await user.click(screen.getByLabelText('Every model'));
    await user.click(screen.getByRole('button', { name: 'Save budget' }));
    expect(onsave).toHaveBeenCalledWith({ limitCredits: null, period: 'month', alertThresholdsPercent: [80], allowedModels: null });
  });

  it('refuses bad input with a message saying what to type, and does not save', async () => {
    const { user, onsave } = setup();
    const limit = screen.getByLabelText('Credits');
    await user.clear(limit);
    await user.type(limit, '12.5');
    const thresholds = screen.getByLabelText('Alert at (% of the limit)');
    await user.clear(thresholds);
    await user.type(thresholds, '50, 150');
    await user.click(screen.getByLabelText('Only these models'));
    await user.click(screen.getByRole('button', { name: 'Save budget' }));

    expect(onsave).not.toHaveBeenCalled();
    expect(screen.getByText(/Enter a whole number of credits/)).toBeTruthy();
    expect(limit.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/"150" is not a percentage/)).toBeTruthy();
    expect(screen.getByText(/Tick at least one model, or allow every model/)).toBeTruthy();
  });

  it('shows progress while saving, then why saving failed and what to do next', async () => {
    let fail: (error: Error) => void = () => undefined;
    const { user } = setup({ onsave: () => new Promise((_resolve, reject) => { fail = reject; }) });
    await user.click(screen.getByRole('button', { name: 'Save budget' }));
    const button = screen.getByRole('button', { name: 'Saving…' });
    expect(button).toHaveProperty('disabled', true);
    fail(new ApiFailure(403, { code: 'forbidden', message: 'Only managers and owners set budgets.' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Only managers and owners set budgets.');
    expect(alert.textContent).toContain('Ask an owner or manager of this organization for access.');
    expect(screen.getByRole('button', { name: 'Save budget' })).toHaveProperty('disabled', false);
  });
});
