// One group's subscription as the app holds it: hands every logged event of the group to
// `onEvent` once, in seq order, across reconnects.
//
// The client owns the wire side (sending subscribe, resuming it in `connect`); this object keeps
// the cursor (`lastSeq`) and filters: an event at or below the cursor is a duplicate (a replay
// overlapping what was already delivered) and is dropped, so the app never sees one twice.
// Single-threaded (the JS event loop): no locking.
import { Emitter } from './emitter.js';
import { MusterError } from './errors.js';
import type { Event, SubscribeReply } from './gen/types.js';

export interface SubscribeOptions {
  /** Resume point: the last seq seen (0 = from the start of what is retained). Omitted: live
   *  events only, from now on. */
  since?: number;
  /** Every logged event once, in seq order, across reconnects. */
  onEvent?: (event: Event) => void;
  /** The server no longer had every event after the resume point (see `'gap'`). */
  onGap?: (gap: Gap) => void;
  /** The subscription ended on an error (e.g. FORBIDDEN after a membership was removed). */
  onError?: (error: MusterError) => void;
}

/** Events after `lastSeq` were trimmed from the log before they could be delivered. */
export interface Gap {
  group: string;
  /** The cursor when the gap was found: the last seq delivered. */
  lastSeq: number;
  /** The oldest seq the server still has: delivery goes on from here. */
  oldestSeq: number;
  latestSeq: number;
}

export type SubscriptionState = 'pending' | 'active' | 'closed';

export interface SubscriptionEvents extends Record<string, unknown> {
  event: Event;
  gap: Gap;
  error: MusterError;
  /** Every (re)subscription the server confirmed, e.g. after each reconnect. */
  subscribed: SubscribeReply;
}

/** The part of the client a subscription calls back into. */
export interface SubscriptionOwner {
  unsubscribeGroup(subscription: Subscription): void;
}

export class Subscription extends Emitter<SubscriptionEvents> {
  readonly group: string;
  /** The highest seq handed to onEvent (or where the subscription started: `since`, or the
   *  group's latest seq at a live-only subscribe). Resuming from here loses nothing. */
  lastSeq: number;
  state: SubscriptionState = 'pending';
  /** Resolves with the server's first reply (recovered, oldestSeq, latestSeq); rejects when the
   *  subscription fails (FORBIDDEN, NOT_FOUND...) or is unsubscribed first. */
  readonly ready: Promise<SubscribeReply>;

  /** @internal the cursor is known (since given, or a reply arrived): resume with `since`. */
  positioned: boolean;
  #owner: SubscriptionOwner;
  #resolve!: (reply: SubscribeReply) => void;
  #reject!: (error: MusterError) => void;
  #settled = false;

  /** @internal created by MusterClient.subscribe */
  constructor(owner: SubscriptionOwner, group: string, options: SubscribeOptions) {
    super();
    this.#owner = owner;
    this.group = group;
    this.positioned = options.since !== undefined && options.since !== null;
    this.lastSeq = this.positioned ? Math.max(0, Math.floor(Number(options.since))) : 0;
    if (options.onEvent) this.on('event', options.onEvent);
    if (options.onGap) this.on('gap', options.onGap);
    if (options.onError) this.on('error', options.onError);
    this.ready = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.ready.catch(() => {}); // a failure is also emitted as 'error'; not unhandled
  }

  /** Stops delivery now and tells the server (when connected). */
  unsubscribe(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.#owner.unsubscribeGroup(this);
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(new MusterError('CLOSED', 'unsubscribed'));
    }
  }

  /** @internal what to send as `subscribe` / a `connect.resume` entry. */
  wireRequest(): { group: string; since?: number } {
    return this.positioned ? { group: this.group, since: this.lastSeq } : { group: this.group };
  }

  /** @internal the server confirmed (or restored) the subscription. */
  accepted(reply: SubscribeReply): void {
    if (this.state === 'closed') return;
    this.state = 'active';
    if (!this.positioned) {
      // Live only: nothing before now is wanted, everything after it is (also across a
      // reconnect, which resumes from here).
      this.lastSeq = Math.max(this.lastSeq, reply.latestSeq);
      this.positioned = true;
    } else if (reply.recovered === false) {
      const gap: Gap = {
        group: this.group,
        lastSeq: this.lastSeq,
        oldestSeq: reply.oldestSeq,
        latestSeq: reply.latestSeq,
      };
      // Ahead of the log (it was reset): what comes next starts after its latest seq.
      if (this.lastSeq > reply.latestSeq) this.lastSeq = reply.latestSeq;
      this.emit('gap', gap);
    }
    this.emit('subscribed', reply);
    if (!this.#settled) {
      this.#settled = true;
      this.#resolve(reply);
    }
  }

  /** @internal the server refused the subscription: it is over. */
  failed(error: MusterError): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.emit('error', error);
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(error);
    }
  }

  /** @internal the connection is gone: pending until the next connect restores it. */
  suspended(): void {
    if (this.state === 'active') this.state = 'pending';
  }

  /** @internal a logged event of this group: delivered once, in order. */
  deliver(event: Event): boolean {
    if (this.state === 'closed' || event.seq <= this.lastSeq) return false;
    this.lastSeq = event.seq;
    this.positioned = true;
    this.emit('event', event);
    return true;
  }
}
