interface Waiting<Value> {
  promise: Promise<Value>;
  resolve: (value: Value) => void;
  reject: (error: unknown) => void;
}

/**
 * Shares reads of the same key between callers without ever answering a caller with a read that
 * began before it asked: while a read of a key runs, callers of that key wait for the next one,
 * which starts when the running one ends and answers all of them. Under a burst of one member's
 * submits, one read serves each wave instead of one per submit; alone, a caller reads at once.
 */
export class ReadCoalescer<Key, Value> {
  private readonly running = new Map<Key, { next: Waiting<Value> | undefined; load: () => Promise<Value> }>();

  read(key: Key, load: () => Promise<Value>): Promise<Value> {
    const entry = this.running.get(key);
    if (entry === undefined) {
      const started = { next: undefined, load };
      this.running.set(key, started);
      return this.start(key, started, load);
    }
    entry.load = load;
    entry.next ??= waiting<Value>();
    return entry.next.promise;
  }

  private start(key: Key, entry: { next: Waiting<Value> | undefined; load: () => Promise<Value> }, load: () => Promise<Value>): Promise<Value> {
    const result = load();
    const settle = (): void => {
      const next = entry.next;
      if (next === undefined) {
        this.running.delete(key);
        return;
      }
      entry.next = undefined;
      this.start(key, entry, entry.load).then(next.resolve, next.reject);
    };
    result.then(settle, settle);
    return result;
  }
}

function waiting<Value>(): Waiting<Value> {
  let resolve!: (value: Value) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<Value>((resolveWith, rejectWith) => {
    resolve = resolveWith;
    reject = rejectWith;
  });
  return { promise, resolve, reject };
}
