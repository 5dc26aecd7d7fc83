import type { RealtimeClient } from '@supabase/realtime-js';

/** A claim on one channel slot of a pooled connection; release it when the channel is left. */
export interface ConnectionLease {
  readonly client: RealtimeClient;
  release(): Promise<void>;
}

/**
 * Realtime connections of one kind (the bus's broadcast connection, or one agent's), created on
 * demand. A connection carries at most `maxChannels` channels (Supabase's default limit is 100
 * per connection) and at most one channel per topic (realtime-js hands back the existing channel
 * object for a topic it still holds, even one being left, so a topic that is being left and
 * joined again at the same moment gets a second connection). A connection is disconnected when
 * its last channel is released.
 *
 * @example
 * const pool = new ConnectionPool(() => new RealtimeClient(url, { params: { apikey } }), 100);
 * const lease = pool.acquire('room:lobby');
 * lease.client.channel('room:lobby', { config: { private: true } }).subscribe();
 */
export class ConnectionPool {
  private readonly slots: Array<{ client: RealtimeClient; topics: Set<string> }> = [];

  constructor(
    private readonly createClient: () => RealtimeClient,
    private readonly maxChannels: number,
  ) {}

  /** The number of open connections. */
  get size(): number {
    return this.slots.length;
  }

  /** A connection with room for a channel on `topic`. */
  acquire(topic: string): ConnectionLease {
    let slot = this.slots.find(
      (candidate) => candidate.topics.size < this.maxChannels && !candidate.topics.has(topic),
    );
    if (!slot) {
      slot = { client: this.createClient(), topics: new Set() };
      this.slots.push(slot);
    }
    slot.topics.add(topic);
    const held = slot;
    let released = false;
    return {
      client: held.client,
      release: async () => {
        if (released) return;
        released = true;
        held.topics.delete(topic);
        if (held.topics.size > 0) return;
        this.slots.splice(this.slots.indexOf(held), 1);
        await held.client.disconnect();
      },
    };
  }
}
