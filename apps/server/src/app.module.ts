import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, type AppConfig } from './config/config.js';
import { mikroOrmOptions } from './database/mikro-orm.config.js';
import { ErrorFilter } from './common/error.filter.js';
import { HealthController } from './health/health.controller.js';
import { HealthService } from './health/health.service.js';
import { DatabaseRepository } from './repositories/database.repository.js';
import { RedisRepository } from './repositories/redis.repository.js';

export interface RuntimeConfig extends AppConfig {
  /** The database actually used: DATABASE_URL, or the embedded Postgres started for this process. */
  databaseUrl: string;
}

@Module({})
export class AppModule {
  static forRoot(config: RuntimeConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            autoLogging: { ignore: (request) => request.url === '/api/health' },
            redact: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
          },
        }),
        MikroOrmModule.forRoot(mikroOrmOptions(config.databaseUrl)),
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ErrorFilter },
        DatabaseRepository,
        RedisRepository,
        HealthService,
      ],
    };
  }
}
