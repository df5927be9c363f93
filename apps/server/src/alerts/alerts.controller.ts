import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  alertSettingsView,
  markNotificationsRead,
  notificationPage,
  notificationQuery,
  updateAlertSettings,
  uuid,
  webhookAttemptList,
  webhookSecretView,
  type AlertSettingsView,
  type NotificationPage,
  type WebhookAttemptList,
  type WebhookSecretView,
} from '@atelier/contracts';
import { CurrentAccess, RequirePermission, type OrganizationAccess } from '../auth/principal.js';
import { AuditService } from '../orgs/audit.service.js';
import { AlertsService } from './alerts.service.js';

const orgParam = { schema: uuid };
const markedRead = z.object({ updated: z.number().int() });
const settingsWithSecret = alertSettingsView.extend({ webhookSecret: z.string().optional().describe('Present once: when a webhook URL is first set') });
const attemptsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

@ApiTags('alerts')
@Controller('orgs/:orgId')
export class AlertsController {
  constructor(
    @Inject(AlertsService) private readonly alerts: AlertsService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  @Get('notifications')
  @RequirePermission('org.read')
  @ApiOkResponse({ standardSchema: notificationPage, description: 'My notifications in this org, newest first; pass `nextCursor` back as `cursor`' })
  notifications(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Query({ schema: notificationQuery }) query: z.infer<typeof notificationQuery>,
  ): Promise<NotificationPage> {
    return this.alerts.notifications(orgId, access.userId, query);
  }

  @Post('notifications/read')
  @RequirePermission('org.read')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ standardSchema: markedRead, description: 'Marks the given notifications (or all) read' })
  async markRead(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: markNotificationsRead }) body: z.infer<typeof markNotificationsRead>,
  ): Promise<z.infer<typeof markedRead>> {
    return { updated: await this.alerts.markRead(orgId, access.userId, body.all === true ? 'all' : (body.ids ?? [])) };
  }

  @Get('alert-settings')
  @RequirePermission('alerts.manage')
  @ApiOkResponse({ standardSchema: alertSettingsView })
  settings(@Param('orgId', orgParam) orgId: string): Promise<AlertSettingsView> {
    return this.alerts.settings(orgId);
  }

  @Put('alert-settings')
  @RequirePermission('alerts.manage')
  @ApiOkResponse({ standardSchema: settingsWithSecret, description: 'Low-balance line, grant expiry notice and webhook URL; omitted fields stay' })
  async updateSettings(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: updateAlertSettings }) body: z.infer<typeof updateAlertSettings>,
  ): Promise<z.infer<typeof settingsWithSecret>> {
    const before = await this.alerts.settings(orgId);
    const after = await this.alerts.updateSettings(orgId, body);
    const { webhookSecret: _secret, ...recorded } = after;
    await this.audit.record({ organizationId: orgId, actorId: access.userId, action: 'alerts.settings', targetType: 'organization', targetId: orgId, before, after: recorded });
    return after;
  }

  @Post('alert-settings/webhook-secret')
  @RequirePermission('alerts.manage')
  @ApiCreatedResponse({ standardSchema: webhookSecretView, description: 'A new signing secret, shown this once; the old one stops at once' })
  async rotateSecret(@Param('orgId', orgParam) orgId: string, @CurrentAccess() access: OrganizationAccess): Promise<WebhookSecretView> {
    const secret = await this.alerts.rotateWebhookSecret(orgId);
    await this.audit.record({ organizationId: orgId, actorId: access.userId, action: 'alerts.webhookSecret.rotate', targetType: 'organization', targetId: orgId });
    return { secret };
  }

  @Get('alert-settings/webhook-attempts')
  @RequirePermission('alerts.manage')
  @ApiOkResponse({ standardSchema: webhookAttemptList, description: 'Every webhook delivery attempt, newest first' })
  attempts(@Param('orgId', orgParam) orgId: string, @Query({ schema: attemptsQuery }) query: z.infer<typeof attemptsQuery>): Promise<WebhookAttemptList> {
    return this.alerts.webhookAttempts(orgId, query.limit);
  }
}
