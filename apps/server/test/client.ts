import type { SessionView } from '@atelier/contracts';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A browser-like API client: keeps the session cookie and sends the CSRF token on writes. */
export class ApiClient {
  private cookie: string | undefined;
  csrfToken: string | undefined;
  apiKey: string | undefined;

  constructor(readonly baseUrl: string) {}

  async request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const allHeaders: Record<string, string> = { ...headers };
    if (body !== undefined) allHeaders['content-type'] ??= 'application/json';
    if (this.cookie !== undefined) allHeaders.cookie = this.cookie;
    if (this.csrfToken !== undefined && method !== 'GET') allHeaders['x-csrf-token'] ??= this.csrfToken;
    if (this.apiKey !== undefined) allHeaders.authorization = `Bearer ${this.apiKey}`;
    const response = await fetch(`${this.baseUrl}/api${path}`, {
      method,
      headers: allHeaders,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const setCookie = response.headers.getSetCookie().find((value) => value.startsWith('atelier_session='));
    if (setCookie !== undefined) {
      const pair = setCookie.split(';')[0] ?? '';
      this.cookie = pair.endsWith('=') ? undefined : pair;
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  get<T = unknown>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path);
  }
  post<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, body ?? {});
  }
  put<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request<T>('PUT', path, body ?? {});
  }
  patch<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request<T>('PATCH', path, body ?? {});
  }
  delete<T = unknown>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>('DELETE', path);
  }

  async signUp(email: string, name = email.split('@')[0] ?? 'someone', password = 'correct horse battery'): Promise<SessionView> {
    const response = await this.post<SessionView>('/auth/sign-up', { email, name, password });
    if (response.status !== 201) {
      throw new Error(`sign-up failed: ${String(response.status)} ${JSON.stringify(response.body)}`);
    }
    this.csrfToken = response.body.csrfToken;
    return response.body;
  }

  async signIn(email: string, password = 'correct horse battery'): Promise<ApiResponse<SessionView>> {
    const response = await this.post<SessionView>('/auth/sign-in', { email, password });
    if (response.status === 200) {
      this.csrfToken = response.body.csrfToken;
    }
    return response;
  }
}
