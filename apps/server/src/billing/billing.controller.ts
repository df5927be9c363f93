import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Inject, Param, Post, Put, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiExcludeEndpoint, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { z } from 'zod';
import {
  autoTopUpSettings,
  autoTopUpView,
  billingStatus,
  cancelSubscriptionRequest,
  checkoutRequest,
  checkoutSessionView,
  portalRequest,
  portalSessionView,
  settleDeficitView,
  subscriptionChangeView,
  subscriptionRequest,
  subscriptionView,
  uuid,
  type AutoTopUpView,
  type BillingStatus,
  type CheckoutSessionView,
  type PortalSessionView,
  type SettleDeficitView,
  type SubscriptionChangeView,
  type SubscriptionView,
} from '@atelier/contracts';
import { CurrentAccess, Public, RequirePermission, type OrganizationAccess } from '../auth/principal.js';
import { BillingService } from './billing.service.js';
import { WebhookService } from './webhook.service.js';

const orgParam = { schema: uuid };

@ApiTags('billing')
@Controller('orgs/:orgId/billing')
export class BillingController {
  constructor(@Inject(BillingService) private readonly billing: BillingService) {}

  @Get()
  @RequirePermission('billing.read')
  @ApiOkResponse({ standardSchema: billingStatus, description: 'Packages, tiers, the subscription, any deficit, auto top-up and recent payments; `configured: false` without Stripe' })
  status(@Param('orgId', orgParam) orgId: string): Promise<BillingStatus> {
    return this.billing.status(orgId);
  }

  @Post('checkout')
  @RequirePermission('billing.manage')
  @ApiCreatedResponse({ standardSchema: checkoutSessionView, description: 'A Stripe Checkout session for a package: send the browser to `url`. 409 `billing_not_configured` without Stripe' })
  checkout(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: checkoutRequest }) body: z.infer<typeof checkoutRequest>,
  ): Promise<CheckoutSessionView> {
    return this.billing.checkout(orgId, access.userId, body);
  }

  @Post('subscription')
  @RequirePermission('billing.manage')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ standardSchema: subscriptionChangeView, description: 'Starts a subscription (Checkout) or changes the tier of the live one, prorated' })
  subscribe(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: subscriptionRequest }) body: z.infer<typeof subscriptionRequest>,
  ): Promise<SubscriptionChangeView> {
    return this.billing.changeSubscription(orgId, access.userId, body);
  }

  @Post('subscription/cancel')
  @RequirePermission('billing.manage')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ standardSchema: subscriptionView, description: 'Cancels at the end of the paid period (`cancel: false` takes that back)' })
  cancel(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: cancelSubscriptionRequest }) body: z.infer<typeof cancelSubscriptionRequest>,
  ): Promise<SubscriptionView> {
    return this.billing.cancel(orgId, access.userId, body.cancel);
  }

  @Post('portal')
  @RequirePermission('billing.manage')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ standardSchema: portalSessionView, description: "A link to Stripe's customer portal (cards, invoices)" })
  portal(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: portalRequest }) body: z.infer<typeof portalRequest>,
  ): Promise<PortalSessionView> {
    return this.billing.portal(orgId, access.userId, body.returnPath);
  }

  @Put('auto-top-up')
  @RequirePermission('billing.manage')
  @ApiOkResponse({ standardSchema: autoTopUpView, description: 'Auto top-up settings; turning it on needs a saved card (409 `payment_method_required`)' })
  autoTopUp(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: autoTopUpSettings }) body: z.infer<typeof autoTopUpSettings>,
  ): Promise<AutoTopUpView> {
    return this.billing.saveAutoTopUp(orgId, access.userId, body);
  }

  @Post('deficit/settle')
  @RequirePermission('billing.manage')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ standardSchema: settleDeficitView, description: "Pays the deficit off from the pool's available credits, as far as they go" })
  settle(@Param('orgId', orgParam) orgId: string, @CurrentAccess() access: OrganizationAccess): Promise<SettleDeficitView> {
    return this.billing.settleDeficit(orgId, access.userId);
  }
}

/** Stripe's webhook endpoint: authenticated by the signature on the raw body, not by a session. */
@ApiTags('billing')
@Controller('billing')
export class BillingWebhookController {
  constructor(@Inject(WebhookService) private readonly webhooks: WebhookService) {}

  @Post('webhook')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiExcludeEndpoint()
  async receive(@Req() request: Request & { rawBody?: Buffer }, @Headers('stripe-signature') signature: string | undefined): Promise<{ received: true; outcome: string }> {
    const outcome = await this.webhooks.receive(request.rawBody, signature);
    return { received: true, outcome };
  }
}
