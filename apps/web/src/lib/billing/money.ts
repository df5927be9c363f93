/** "$45.00" from 4500 cents of "usd". Integer cents in, text out: no arithmetic on floats. */
export function formatMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);
}

/**
 * Whole cents from what a person types as an amount ("50", "49.5", "1,200.00"); undefined when it
 * is not an amount. Parsed as text, so "0.1" is exactly 10 cents.
 */
export function parseCents(text: string): number | undefined {
  const cleaned = text.trim().replace(/^[$€£]/, '').replace(/,/g, '');
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(cleaned);
  if (match === null) return undefined;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(2, '0'));
  return whole * 100 + fraction;
}

/** "50.00" for 5000: how an amount in cents reads in an input. */
export function centsToInput(cents: number): string {
  return `${String(Math.floor(cents / 100))}.${String(cents % 100).padStart(2, '0')}`;
}
