import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class DependencyHealthDto {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiPropertyOptional({ type: Number, description: 'Round-trip time of a trivial query, in milliseconds' })
  latencyMs?: number;

  @ApiPropertyOptional({ type: String, description: 'Why the dependency is down' })
  error?: string;
}

export class HealthChecksDto {
  @ApiProperty({ type: DependencyHealthDto })
  database!: DependencyHealthDto;

  @ApiPropertyOptional({ type: DependencyHealthDto, description: 'Present when REDIS_URL is configured' })
  redis?: DependencyHealthDto;

  @ApiPropertyOptional({ type: DependencyHealthDto, description: "The job workers (absent on an API-only node): 'down' while they are paused waiting for the database" })
  workers?: DependencyHealthDto;
}

export class ProviderLastErrorDto {
  @ApiProperty({ enum: ['rate_limited', 'server_error', 'timeout', 'moderated', 'rejected', 'aborted'] })
  kind!: 'rate_limited' | 'server_error' | 'timeout' | 'moderated' | 'rejected' | 'aborted';

  @ApiProperty({ type: String })
  message!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  at!: string;
}

export class ProviderHealthDto {
  @ApiProperty({ type: String, description: "Adapter id, e.g. 'black-forest-labs'; 'local' is the offline demo renderer" })
  id!: string;

  @ApiProperty({ type: Boolean, description: 'True for the offline demo renderer (not AI)' })
  demo!: boolean;

  @ApiProperty({ enum: ['up', 'degraded', 'down'], description: "'down' when its last call failed with a retryable error" })
  status!: 'up' | 'degraded' | 'down';

  @ApiProperty({ type: Number, description: 'Calls in the recent window (this process)' })
  recentCalls!: number;

  @ApiProperty({ type: Number })
  recentErrors!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'Median latency of the recent successful calls' })
  medianLatencyMs!: number | null;

  @ApiProperty({ type: ProviderLastErrorDto, nullable: true })
  lastError!: ProviderLastErrorDto | null;
}

export class ProvidersHealthDto {
  @ApiProperty({ type: Boolean, description: 'No real provider is configured: every image comes from the offline demo renderer' })
  demo!: boolean;

  @ApiProperty({ type: [ProviderHealthDto] })
  adapters!: ProviderHealthDto[];
}

export class ModelAvailabilityDto {
  @ApiProperty({ type: String })
  modelId!: string;

  @ApiProperty({ type: String })
  operation!: string;

  @ApiProperty({ type: [String], description: 'Adapters that run it, in order of preference; empty when unavailable on this server' })
  routes!: string[];
}

export class ProvidersDto extends ProvidersHealthDto {
  @ApiProperty({ type: [ModelAvailabilityDto] })
  models!: ModelAvailabilityDto[];
}

export class HealthDto {
  @ApiProperty({ enum: ['ok', 'degraded'] })
  status!: 'ok' | 'degraded';

  @ApiProperty({ type: String })
  version!: string;

  @ApiProperty({ type: String, description: 'Identity of this installation, kept across restarts' })
  installationId!: string;

  @ApiProperty({ type: Number })
  uptimeSeconds!: number;

  @ApiProperty({ type: HealthChecksDto })
  checks!: HealthChecksDto;

  @ApiProperty({ type: ProvidersHealthDto, description: 'Image providers: demo mode, and each adapter\'s recent errors and latency' })
  providers!: ProvidersHealthDto;
}
