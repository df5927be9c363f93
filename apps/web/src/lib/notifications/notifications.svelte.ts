import type { AlertEvent, NotificationView } from '@atelier/contracts';
import { api, unwrap } from '../api/client.js';

const PAGE_SIZE = 20;

/** Now, as the server writes times. */
function nowIso(): string {
  return new Date().toISOString();
}

function idsOf(items: readonly NotificationView[]): ReadonlySet<string> {
  return new Set(items.map((item) => item.id));
}

/** A live alert as a notification of the list (they are the same record on the server). */
export function notificationOfAlert(alert: AlertEvent): NotificationView {
  return {
    id: alert.id,
    alertId: alert.alertId,
    organizationId: alert.organizationId,
    kind: alert.kind,
    title: alert.title,
    message: alert.message,
    data: alert.data,
    createdAt: alert.at,
    readAt: null,
  };
}

/**
 * My notifications in one org: the first page from the API, live alerts prepended as they
 * arrive (deduplicated by id), more pages on demand, marking read.
 */
export class NotificationList {
  items = $state<NotificationView[]>([]);
  unread = $state(0);
  loading = $state(false);
  error = $state<unknown>();
  private nextCursor: string | null = null;
  private loaded = false;

  constructor(private readonly organizationId: string) {}

  get hasMore(): boolean {
    return this.nextCursor !== null;
  }

  async load(): Promise<void> {
    await this.fetchPage(undefined);
    this.loaded = true;
  }

  async more(): Promise<void> {
    if (this.nextCursor === null) return;
    await this.fetchPage(this.nextCursor);
  }

  /** A notification pushed over the socket. */
  receive(notification: NotificationView): void {
    if (this.items.some((item) => item.id === notification.id)) return;
    this.items = [notification, ...this.items];
    if (notification.readAt === null) this.unread += 1;
  }

  async markRead(ids: readonly string[]): Promise<void> {
    const unreadIds = ids.filter((id) => this.items.some((item) => item.id === id && item.readAt === null));
    if (unreadIds.length === 0) return;
    await unwrap(api.POST('/api/orgs/{orgId}/notifications/read', { params: { path: { orgId: this.organizationId } }, body: { ids: unreadIds } }));
    const now = nowIso();
    this.items = this.items.map((item) => (unreadIds.includes(item.id) ? { ...item, readAt: now } : item));
    this.unread = Math.max(0, this.unread - unreadIds.length);
  }

  async markAllRead(): Promise<void> {
    if (this.unread === 0 && this.loaded) return;
    await unwrap(api.POST('/api/orgs/{orgId}/notifications/read', { params: { path: { orgId: this.organizationId } }, body: { all: true } }));
    const now = nowIso();
    this.items = this.items.map((item) => (item.readAt === null ? { ...item, readAt: now } : item));
    this.unread = 0;
  }

  private async fetchPage(cursor: string | undefined): Promise<void> {
    this.loading = true;
    try {
      const page = await unwrap(
        api.GET('/api/orgs/{orgId}/notifications', {
          params: { path: { orgId: this.organizationId }, query: { limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) } },
        }),
      );
      const known = idsOf(this.items);
      const fresh = page.notifications.filter((item) => !known.has(item.id));
      this.items = cursor === undefined ? [...this.items.filter((item) => !page.notifications.some((p) => p.id === item.id)), ...page.notifications].sort(newestFirst) : [...this.items, ...fresh];
      this.unread = page.unreadCount;
      this.nextCursor = page.nextCursor;
      this.error = undefined;
    } catch (error) {
      this.error = error;
    } finally {
      this.loading = false;
    }
  }
}

function newestFirst(a: NotificationView, b: NotificationView): number {
  return b.createdAt.localeCompare(a.createdAt);
}
