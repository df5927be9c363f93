import type { ProviderCostReport } from '@atelier/contracts';

/** Dollars with enough places for cents-or-less figures: "$0.0423", "$12.40". */
export function usd(amount: number | null): string {
  if (amount === null) return '—';
  const places = Math.abs(amount) < 1 ? 4 : 2;
  return `$${amount.toFixed(places)}`;
}

/** How a provider id reads on screen. */
export function providerLabel(provider: string): string {
  const labels: Record<string, string> = {
    local: 'Demo renderer (not AI)',
    'black-forest-labs': 'Black Forest Labs',
    stability: 'Stability AI',
    wavespeed: 'WaveSpeed',
    huggingface: 'Hugging Face',
    fal: 'fal.ai',
    google: 'Google',
    openai: 'OpenAI',
    comfyui: 'Own ComfyUI',
  };
  return labels[provider] ?? provider;
}

/** "2 of 3 images": how much of a figure the providers reported. */
export function coverage(row: { images: number; imagesWithCost: number }): string {
  if (row.images === 0) return 'no images';
  if (row.imagesWithCost === row.images) return row.images === 1 ? 'the image' : row.images === 2 ? 'both images' : `all ${String(row.images)} images`;
  return `${String(row.imagesWithCost)} of ${String(row.images)} images`;
}

export type ProviderCostModel = ProviderCostReport['models'][number];
