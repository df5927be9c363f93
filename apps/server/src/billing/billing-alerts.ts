import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AlertData, AlertKind } from '@atelier/contracts';
import { AlertsService } from '../alerts/alerts.service.js';

/** Tells an org's owners about billing problems (in the app, by socket, email and the org's webhook). */
@Injectable()
export class BillingAlerts {
  private readonly logger = new Logger('Billing');

  constructor(@Inject(AlertsService) private readonly alerts: AlertsService) {}

  /** Fires once per `key`: a retried event or a second node raises nothing new. */
  async raise(alert: { organizationId: string; kind: AlertKind; key: string; title: string; message: string; data?: AlertData }): Promise<void> {
    try {
      await this.alerts.raise({
        organizationId: alert.organizationId,
        kind: alert.kind,
        subjectKey: alert.key,
        periodKey: 'once',
        title: alert.title,
        message: alert.message,
        data: alert.data ?? {},
        recipients: { roles: ['owner'] },
      });
    } catch (error) {
      // The billing change itself stands; an alert that could not be stored is logged, not retried.
      this.logger.error(`alert ${alert.kind} for ${alert.organizationId} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
