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
}
