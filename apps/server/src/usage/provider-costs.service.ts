import { Inject, Injectable } from '@nestjs/common';
import type { ProviderCostQuery, ProviderCostReport } from '@atelier/contracts';
import { ProviderCostsRepository, type MadeRow } from './provider-costs.repository.js';

type Figures = { images: number; imagesWithCost: number; providerCostUsd: number | null };

/** Credits charged per model beside what its providers reported charging us for the images. */
@Injectable()
export class ProviderCostsService {
  constructor(@Inject(ProviderCostsRepository) private readonly repository: ProviderCostsRepository) {}

  async report(organizationId: string, query: ProviderCostQuery): Promise<ProviderCostReport> {
    const [charged, made] = await Promise.all([this.repository.charged(organizationId, query.from, query.to), this.repository.made(organizationId, query.from, query.to)]);
    const modelIds = [...new Set([...charged.map((row) => row.modelId), ...made.map((row) => row.modelId)])];
    const models = modelIds.map((modelId) => {
      const mine = made.filter((row) => row.modelId === modelId).sort((a, b) => b.images - a.images || a.provider.localeCompare(b.provider));
      const providers = mine.map((row) => ({ provider: row.provider, ...figuresOf([row]) }));
      const money = charged.find((row) => row.modelId === modelId);
      return { modelId, credits: money?.credits ?? 0, jobs: money?.jobs ?? 0, ...figuresOf(mine), providers };
    });
    models.sort((a, b) => b.credits - a.credits || a.modelId.localeCompare(b.modelId));
    return {
      from: query.from,
      to: query.to,
      models,
      totals: {
        credits: models.reduce((sum, model) => sum + model.credits, 0),
        jobs: models.reduce((sum, model) => sum + model.jobs, 0),
        ...figuresOf(made),
      },
    };
  }
}

function figuresOf(rows: MadeRow[]): Figures {
  const costed = rows.filter((row) => row.usd !== null);
  return {
    images: rows.reduce((sum, row) => sum + row.images, 0),
    imagesWithCost: rows.reduce((sum, row) => sum + row.imagesWithCost, 0),
    providerCostUsd: costed.length === 0 ? null : Math.round(costed.reduce((sum, row) => sum + (row.usd ?? 0), 0) * 1_000_000) / 1_000_000,
  };
}
