import { Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { OrganizationsModule } from '../orgs/organizations.module.js';
import { BalanceNotificationsRepository } from '../events/balance-notifications.repository.js';
import { FreeAllowanceRepository } from './free-allowance.repository.js';
import { GalleryRepository } from './gallery.repository.js';
import { GalleryService } from './gallery.service.js';
import { AssetsRepository } from './assets.repository.js';
import { JobEndingService } from './job-ending.service.js';
import { JobViews } from './job-view.js';
import { JobsRepository } from './jobs.repository.js';
import { JobRunner } from './job-runner.js';
import { JobsController } from './jobs.controller.js';
import { JobPlacer } from './job-placer.service.js';
import { JobsService } from './jobs.service.js';
import { JobPreparationService } from './job-preparation.service.js';
import { PreflightController } from './preflight.controller.js';
import { PreflightService } from './preflight.service.js';
import { PricingContextRepository } from '../pricing/pricing-context.repository.js';
import { PricingContextService } from '../pricing/pricing-context.service.js';
import { PricingController } from '../pricing/pricing.controller.js';
import { QueueRepository } from '../queue/queue.repository.js';
import { QueueModule } from '../queue/queue.module.js';
import type { TaskHandler } from '../queue/queue-tasks.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import { PROVIDER_REGISTRY } from '../repositories/tokens.js';
import { SweeperService } from './sweeper.service.js';
import { ThumbnailService } from './thumbnail.service.js';

/** Generation jobs: submit (price, hold, enqueue), run through providers, capture or refund, gallery. */
@Module({
  imports: [OrganizationsModule, QueueModule],
  controllers: [JobsController, PreflightController, PricingController],
  providers: [
    FreeAllowanceRepository,
    JobsRepository,
    AssetsRepository,
    JobViews,
    JobEndingService,
    BalanceNotificationsRepository,
    PricingContextRepository,
    PricingContextService,
    JobPreparationService,
    PreflightService,
    JobPlacer,
    JobsService,
    JobRunner,
    GalleryRepository,
    GalleryService,
    ThumbnailService,
    SweeperService,
  ],
  exports: [JobsService, SweeperService, PricingContextService],
})
export class JobsModule implements OnApplicationBootstrap {
  constructor(
    @Inject(QueueRepository) private readonly queue: QueueRepository,
    @Inject(JobRunner) private readonly runner: JobRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PROVIDER_REGISTRY) private readonly providers: ProviderRegistry,
  ) {}

  /** Workers start with the app unless this node is API-only (RUN_WORKERS=false). */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.jobs.runWorkers) return;
    const handler: TaskHandler<'generate'> = (payload, context) => this.runner.run(payload.jobId, context);
    const { concurrency } = this.config.providers;
    await this.queue.startGeneration({
      local: { concurrency: concurrency.local, handler },
      'black-forest-labs': { concurrency: concurrency.blackForestLabs, handler },
      stability: { concurrency: concurrency.stability, handler },
      wavespeed: { concurrency: concurrency.wavespeed, handler },
      huggingface: { concurrency: concurrency.huggingFace, handler },
      fal: { concurrency: concurrency.fal, handler },
      google: { concurrency: concurrency.google, handler },
      openai: { concurrency: concurrency.openai, handler },
      comfyui: { concurrency: concurrency.comfyui, handler },
    }, new Set(this.providers.all().map((adapter) => adapter.id)));
  }
}
