import { Injectable, Logger } from '@nestjs/common';
import type { AppEventName, AppEvents } from './app-events.js';

type Handler<K extends AppEventName> = (payload: AppEvents[K]) => void | Promise<void>;

/**
 * The app's typed in-process event bus: `publish` announces, `subscribe` listens and returns the
 * way to stop. A subscriber's failure is logged and never reaches the publisher.
 */
@Injectable()
export class EventBus {
  private readonly logger = new Logger('EventBus');
  private readonly handlers = new Map<AppEventName, Set<Handler<never>>>();

  publish<K extends AppEventName>(name: K, payload: AppEvents[K]): void {
    for (const handler of this.handlers.get(name) ?? []) {
      try {
        const result = (handler as Handler<K>)(payload);
        if (result instanceof Promise) result.catch((error: unknown) => {
          this.failed(name, error);
        });
      } catch (error) {
        this.failed(name, error);
      }
    }
  }

  subscribe<K extends AppEventName>(name: K, handler: Handler<K>): () => void {
    let set = this.handlers.get(name);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(name, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  private failed(name: AppEventName, error: unknown): void {
    this.logger.warn(`a subscriber of ${name} failed: ${String(error)}`);
  }
}
