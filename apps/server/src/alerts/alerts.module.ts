import { Global, Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { QueueModule } from '../queue/queue.module.js';
import { QueueRepository } from '../queue/queue.repository.js';
import { OrganizationsModule } from '../orgs/organizations.module.js';
import { AlertContextRepository } from './alert-context.repository.js';
import { AlertDeliveryService } from './alert-delivery.service.js';
import { AlertEvaluatorService } from './alert-evaluator.service.js';
import { AlertSettingsRepository } from './alert-settings.repository.js';
import { AlertsRepository } from './alerts.repository.js';
import { AlertsController } from './alerts.controller.js';
import { AlertsService } from './alerts.service.js';
import { NotificationsRepository } from './notifications.repository.js';

/** Mail and webhook deliveries running at once on a worker node. */
const DELIVERY_CONCURRENCY = 4;

/**
 * Alerts: budget thresholds, low pool, expiring grants and billing problems, each fired once per
 * period, delivered in the app (notifications + socket), by email and to the org's signed webhook.
 * Global: billing raises alerts through AlertsService.
 */
@Global()
@Module({
  imports: [OrganizationsModule, QueueModule],
  controllers: [AlertsController],
  providers: [AlertsRepository, NotificationsRepository, AlertSettingsRepository, AlertContextRepository, AlertsService, AlertEvaluatorService, AlertDeliveryService],
  exports: [AlertsService, AlertEvaluatorService],
})
export class AlertsModule implements OnApplicationBootstrap {
  constructor(
    @Inject(QueueRepository) private readonly queue: QueueRepository,
    @Inject(AlertDeliveryService) private readonly delivery: AlertDeliveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.jobs.runWorkers) return;
    await this.queue.startTasks('alert delivery', this.delivery.tasks(), DELIVERY_CONCURRENCY);
  }
}
