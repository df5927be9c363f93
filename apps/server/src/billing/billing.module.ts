import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../orgs/organizations.module.js';
import { AutoTopUpService } from './auto-top-up.service.js';
import { BillingAlerts } from './billing-alerts.js';
import { BillingController, BillingWebhookController } from './billing.controller.js';
import { BillingRepository } from './billing.repository.js';
import { BillingService } from './billing.service.js';
import { CreditsService } from './credits.service.js';
import { StripeRepository } from './stripe.repository.js';
import { SubscriptionSyncService } from './subscription-sync.service.js';
import { WebhookService } from './webhook.service.js';

/**
 * Billing with Stripe: credit packages (Checkout), subscription tiers with monthly credits,
 * auto top-up, refunds and disputes clawing credits back, and the webhook at /api/billing/webhook.
 */
@Module({
  imports: [OrganizationsModule],
  controllers: [BillingController, BillingWebhookController],
  providers: [StripeRepository, BillingRepository, CreditsService, SubscriptionSyncService, BillingAlerts, AutoTopUpService, WebhookService, BillingService],
})
export class BillingModule {}
