import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, type AppConfig } from './config/config.js';
import { mikroOrmOptions } from './database/mikro-orm.config.js';
import { ErrorFilter } from './common/error.filter.js';
import { REQUEST_LOG, requestLog } from './common/request-log.js';
import { validationPipe } from './common/validation.js';
import { HealthController, ProvidersController } from './health/health.controller.js';
import { HealthService } from './health/health.service.js';
import { ServiceStatus } from './health/service-status.js';
import { OrganizationsModule } from './orgs/organizations.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { CollabModule } from './collab/collab.module.js';
import { RealtimeModule } from './realtime/realtime.module.js';
import { UsageModule } from './usage/usage.module.js';
import { AlertsModule } from './alerts/alerts.module.js';
import { BillingModule } from './billing/billing.module.js';
import { BoardsModule } from './boards/boards.module.js';
import { DatabaseRepository } from './repositories/database.repository.js';
import { LedgerRepository } from './repositories/ledger.repository.js';
import { DATABASE_URL, PostgresPoolRepository } from './repositories/postgres-pool.repository.js';
import { RedisRepository } from './repositories/redis.repository.js';
import { ProviderCallsRepository } from './repositories/provider-calls.repository.js';
import { ClockRepository } from './repositories/clock.repository.js';
import { EventBus } from './events/event-bus.js';
import { MailerRepository } from './mail/mailer.repository.js';
import { ASSET_STORAGE, PROVIDER_REGISTRY } from './repositories/tokens.js';
import { BlackForestLabsProvider } from './providers/black-forest-labs.provider.js';
import { LocalProvider } from './providers/local.provider.js';
import { ProviderRegistry } from './providers/provider-registry.js';
import { StabilityProvider } from './providers/stability.provider.js';
import { WavespeedProvider } from './providers/wavespeed.provider.js';
import { HuggingFaceProvider } from './providers/hugging-face.provider.js';
import { FalProvider } from './providers/fal.provider.js';
import { GoogleProvider } from './providers/google.provider.js';
import { OpenAiProvider } from './providers/openai.provider.js';
import { ComfyUiProvider } from './providers/comfyui.provider.js';
import { builtInComfyWorkflowsDir, loadComfyWorkflows } from './providers/comfyui-workflows.js';
import { createAssetStorage } from './storage/storage-config.js';
import type { AssetStorage } from './storage/storage.js';

export interface RuntimeConfig extends AppConfig {
  /** The database actually used: DATABASE_URL, or the embedded Postgres started for this process. */
  databaseUrl: string;
}

/** The offline renderer always (the demo, when no key is set); each real client when its key is set. */
function providerRegistryFor(config: AppConfig): ProviderRegistry {
  const { providers } = config;
  return new ProviderRegistry({
    local: new LocalProvider({ latencyMs: providers.localLatencyMs, failureRate: providers.localFailureRate }),
    preference: providers.preference,
    ...(providers.blackForestLabsApiKey === undefined
      ? {}
      : { blackForestLabs: new BlackForestLabsProvider({ apiKey: providers.blackForestLabsApiKey, ...(providers.blackForestLabsUrl === undefined ? {} : { baseUrl: providers.blackForestLabsUrl }) }) }),
    ...(providers.stabilityApiKey === undefined
      ? {}
      : { stability: new StabilityProvider({ apiKey: providers.stabilityApiKey, ...(providers.stabilityUrl === undefined ? {} : { baseUrl: providers.stabilityUrl }) }) }),
    others: [
      ...(providers.wavespeedApiKey === undefined
        ? []
        : [new WavespeedProvider({ apiKey: providers.wavespeedApiKey, ...(providers.wavespeedUrl === undefined ? {} : { baseUrl: providers.wavespeedUrl }) })]),
      ...(providers.huggingFaceToken === undefined
        ? []
        : [new HuggingFaceProvider({ apiKey: providers.huggingFaceToken, ...(providers.huggingFaceUrl === undefined ? {} : { baseUrl: providers.huggingFaceUrl }) })]),
      ...(providers.falKey === undefined ? [] : [new FalProvider({ apiKey: providers.falKey, ...(providers.falUrl === undefined ? {} : { baseUrl: providers.falUrl }) })]),
      ...(providers.geminiApiKey === undefined ? [] : [new GoogleProvider({ apiKey: providers.geminiApiKey, ...(providers.geminiUrl === undefined ? {} : { baseUrl: providers.geminiUrl }) })]),
      ...(providers.openAiApiKey === undefined
        ? []
        : [
            new OpenAiProvider({
              apiKey: providers.openAiApiKey,
              ...(providers.openAiUrl === undefined ? {} : { baseUrl: providers.openAiUrl }),
              ...(providers.openAiOrganization === undefined ? {} : { organization: providers.openAiOrganization }),
            }),
          ]),
      ...(providers.comfyUi === undefined ? [] : [comfyUiProvider(providers.comfyUi)]),
    ],
  });
}

/** A team's ComfyUI: its workflow templates are read (and checked) once, at start-up. */
function comfyUiProvider(comfy: NonNullable<AppConfig['providers']['comfyUi']>): ComfyUiProvider {
  return new ComfyUiProvider({
    baseUrl: comfy.url,
    models: comfy.models,
    workflows: loadComfyWorkflows(comfy.workflowsDir ?? builtInComfyWorkflowsDir),
    ...(comfy.token === undefined ? {} : { token: comfy.token }),
  });
}

/** Shared infrastructure: configuration and the repositories every feature module uses. */
@Global()
@Module({})
class InfrastructureModule implements OnApplicationShutdown {
  constructor(@Inject(ASSET_STORAGE) private readonly storage: AssetStorage & { close?: () => Promise<void> }) {}

  /** After every module has stopped using it: the S3 client's sockets are released. */
  async onApplicationShutdown(): Promise<void> {
    await this.storage.close?.();
  }

  static forRoot(config: RuntimeConfig, overrides: Provider[]): DynamicModule {
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: config },
      { provide: DATABASE_URL, useValue: config.databaseUrl },
      DatabaseRepository,
      RedisRepository,
      ProviderCallsRepository,
      PostgresPoolRepository,
      LedgerRepository,
      ClockRepository,
      MailerRepository,
      EventBus,
      ServiceStatus,
      { provide: PROVIDER_REGISTRY, useValue: providerRegistryFor(config) },
      { provide: ASSET_STORAGE, useValue: createAssetStorage(config.storage) },
      ...overrides,
    ];
    return {
      module: InfrastructureModule,
      providers,
      exports: [APP_CONFIG, DATABASE_URL, DatabaseRepository, RedisRepository, ProviderCallsRepository, PostgresPoolRepository, LedgerRepository, ClockRepository, MailerRepository, EventBus, ServiceStatus, PROVIDER_REGISTRY, ASSET_STORAGE],
    };
  }
}

@Module({})
export class AppModule {
  /** `overrides` replace infrastructure providers by token (tests use it for the mailer's outbox, say). */
  static forRoot(config: RuntimeConfig, overrides: Provider[] = []): DynamicModule {
    const requestLogger = requestLog(config.logLevel);
    return {
      module: AppModule,
      imports: [
        // The request log is mounted by `createApp` before every other middleware (so that a request
        // refused by one of them is logged too); the module's logger is the same pino logger.
        LoggerModule.forRoot({ pinoHttp: { logger: requestLogger.logger }, useExisting: true }),
        MikroOrmModule.forRoot(mikroOrmOptions(config.databaseUrl, { pool: { min: 0, max: config.databasePool.orm } })),
        InfrastructureModule.forRoot(config, overrides),
        OrganizationsModule,
        JobsModule,
        CollabModule,
        RealtimeModule,
        UsageModule,
        AlertsModule,
        BillingModule,
        BoardsModule,
      ],
      controllers: [HealthController, ProvidersController],
      providers: [
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_PIPE, useFactory: validationPipe },
        { provide: REQUEST_LOG, useValue: requestLogger },
        HealthService,
      ],
    };
  }
}
