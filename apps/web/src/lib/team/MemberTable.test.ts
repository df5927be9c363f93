import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { MemberView } from '@atelier/contracts';
import MemberTable from './MemberTable.svelte';

const ada: MemberView = {
  userId: '11111111-1111-4111-8111-111111111111',
  email: 'ada@example.com',
  name: 'Ada',
  role: 'owner',
  joinedAt: '2026-11-01T10:00:00.000Z',
  alertThresholdsPercent: [],
  allowedModels: null,
  budget: { limitCredits: null, period: 'none', spentCredits: 120, pendingCredits: 0, remainingCredits: null, resetsAt: null },
};
const bea: MemberView = {
  userId: '22222222-2222-4222-8222-222222222222',
  email: 'bea@example.com',
  name: 'Bea',
  role: 'member',
  joinedAt: '2026-11-02T10:00:00.000Z',
  alertThresholdsPercent: [50, 80],
  allowedModels: ['flux-schnell', 'flux-dev', 'stability-core'],
  budget: { limitCredits: 500, period: 'week', spentCredits: 400, pendingCredits: 100, remainingCredits: 0, resetsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() },
};

function setup(canChangeRole: boolean) {
  const handlers = { onrolechange: vi.fn(), onremove: vi.fn(), oneditbudget: vi.fn() };
  render(MemberTable, { props: { members: [ada, bea], myUserId: ada.userId, canChangeRole, canRemove: true, canEditBudget: true, ...handlers } });
  return { ...handlers, user: userEvent.setup() };
}

describe('MemberTable', () => {
  it("shows each member's budget, spent and remaining", () => {
    setup(true);
    const [, adaRow, beaRow] = screen.getAllByRole('row');
    expect(within(adaRow!).getByText('No limit')).toBeTruthy();
    expect(within(adaRow!).getByText('unlimited')).toBeTruthy();
    expect(within(beaRow!).getByText('500 credits / week')).toBeTruthy();
    expect(within(beaRow!).getByText('alerts at 50, 80 %')).toBeTruthy();
    expect(within(beaRow!).getByTestId('member-remaining').textContent).toMatch(/0 credits.*resets in 3 days/s);
    expect(within(beaRow!).getByRole('meter', { name: 'Bea has used 100 % of the budget' })).toBeTruthy();
    expect(within(beaRow!).getByText('Flux.1 [schnell], Flux.1 [dev] and 1 more')).toBeTruthy();
  });

  it('lets an owner change the role of others, not their own', async () => {
    const { user, onrolechange } = setup(true);
    expect(screen.queryByLabelText('Role of Ada')).toBeNull();
    await user.selectOptions(screen.getByLabelText('Role of Bea'), 'manager');
    expect(onrolechange).toHaveBeenCalledWith(bea, 'manager');
  });

  it('shows roles as text to managers, and asks before removing someone', async () => {
    const { user, onremove, oneditbudget } = setup(false);
    expect(screen.queryByLabelText('Role of Bea')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove Ada from the organization' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Remove Bea from the organization' }));
    expect(onremove).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    expect(onremove).toHaveBeenCalledWith(bea);
    await user.click(screen.getByRole('button', { name: 'Edit budget of Bea' }));
    expect(oneditbudget).toHaveBeenCalledWith(bea);
  });
});
