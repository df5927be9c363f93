export interface DependencyHealth {
  status: 'up' | 'down';
  latencyMs?: number;
  error?: string;
}

export interface Health {
  status: 'ok' | 'degraded';
  version: string;
  installationId: string;
  uptimeSeconds: number;
  checks: { database: DependencyHealth; redis?: DependencyHealth };
}

export async function fetchHealth(fetcher: typeof fetch = fetch): Promise<Health> {
  const response = await fetcher('/api/health');
  if (!response.ok && response.status !== 503) {
    throw new Error(`The server answered ${String(response.status)}`);
  }
  return (await response.json()) as Health;
}
