// Awaiting conditions without sleeping: resolve on an emitter's event (or a predicate over
// values pushed to a collector), fail with a clear message after a generous bound.

/** Resolves with the first `event` value for which `predicate` holds. */
export function when(emitter, event, predicate = () => true, { timeoutMs = 30000, what = event } = {}) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const listener = (value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      off();
      resolve(value);
    };
    // MusterClient.on returns the remover; node's EventEmitter returns itself.
    const remover = emitter.on(event, listener);
    const off = typeof remover === 'function' ? remover : () => emitter.off(event, listener);
  });
}

/** A list that resolves waiters as it grows. */
export class Collector {
  items = [];
  #waiters = [];
  push(item) {
    this.items.push(item);
    for (const w of [...this.#waiters]) {
      if (w.test(this.items)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(this.items);
      }
    }
  }
  /** Resolves once `test(items)` holds. */
  until(test, { timeoutMs = 30000, what = 'items' } = {}) {
    if (test(this.items)) return Promise.resolve(this.items);
    return new Promise((resolve, reject) => {
      const w = { test, resolve };
      w.timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for ${what} (have ${this.items.length})`));
      }, timeoutMs);
      this.#waiters.push(w);
    });
  }
  count(n, options) {
    return this.until((items) => items.length >= n, { what: `${n} items`, ...options });
  }
}

/** Polls an async condition (for server-side state with no event to await, e.g. retention
 *  trimming): tries every `intervalMs` until it holds or `timeoutMs` passes. */
export async function eventually(check, { timeoutMs = 30000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
