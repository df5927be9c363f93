/**
 * Runs `work` every `intervalMs`, never twice at once (a slow pass makes the next tick skip);
 * `stop()` clears the timer and waits for a pass in progress. A failing pass is reported, and the
 * next tick tries again.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.work()
        .then(() => undefined)
        .catch(this.onError)
        .finally(() => {
          this.running = undefined;
        });
    }, intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
