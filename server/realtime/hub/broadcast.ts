import {
  ENCODING,
  VSN,
  encodeText,
  encodeUserBroadcast,
  type Encoding,
  type Vsn,
} from './serializer.ts';

/**
 * One broadcast on its way to a topic's subscribers. Frames are encoded lazily, once per
 * serializer, and shared by every subscriber (they all joined the same `realtime:<name>` topic).
 *
 * `user` broadcasts (a kind 3 push, the single-message REST endpoint, or the hub's own publish)
 * reach vsn 2 sockets as binary kind 4 frames; `map` broadcasts (a vsn 1 push, the batch REST
 * endpoint) as JSON text, the sender's payload object as sent (docs/realtime-protocol.md §4.3).
 */
export class OutboundBroadcast {
  private v1Frame: string | null | undefined;
  private v2Frame: string | Buffer | null | undefined;

  private constructor(
    readonly topic: string,
    readonly userEvent: string,
    private readonly origin:
      | { kind: 'user'; encoding: Encoding; body: Uint8Array; json?: unknown }
      | { kind: 'map'; payload: Record<string, unknown> },
  ) {}

  /** A user broadcast whose JSON payload is already parsed (and `body` is its UTF-8 text). */
  static fromJson(
    topic: string,
    userEvent: string,
    json: unknown,
    body?: Uint8Array,
  ): OutboundBroadcast {
    const bytes = body ?? Buffer.from(JSON.stringify(json ?? {}));
    return new OutboundBroadcast(topic, userEvent, {
      kind: 'user',
      encoding: ENCODING.JSON,
      body: bytes,
      json,
    });
  }

  /** A user broadcast with a raw binary payload: vsn 1 sockets never receive it. */
  static fromBinary(topic: string, userEvent: string, body: Uint8Array): OutboundBroadcast {
    return new OutboundBroadcast(topic, userEvent, {
      kind: 'user',
      encoding: ENCODING.BINARY,
      body,
    });
  }

  /** A broadcast that arrived as a JSON map `{type:'broadcast', event, payload, …}`. */
  static fromMap(
    topic: string,
    userEvent: string,
    payload: Record<string, unknown>,
  ): OutboundBroadcast {
    return new OutboundBroadcast(topic, userEvent, { kind: 'map', payload });
  }

  /** The frame for a subscriber using `vsn`, or null when it cannot be delivered to it. */
  frameFor(vsn: Vsn): string | Buffer | null {
    if (vsn === VSN.V2) return (this.v2Frame ??= this.encodeV2());
    return (this.v1Frame ??= this.encodeV1());
  }

  /** The user payload as JSON, or undefined for a binary payload (server-side listeners). */
  get json(): unknown {
    if (this.origin.kind === 'map') return this.origin.payload.payload;
    return this.origin.encoding === ENCODING.JSON ? this.origin.json : undefined;
  }

  /** Bytes of the user payload, for size limits. */
  get size(): number {
    return this.origin.kind === 'user'
      ? this.origin.body.length
      : JSON.stringify(this.origin.payload.payload ?? null).length;
  }

  private encodeV2(): string | Buffer | null {
    if (this.origin.kind === 'user') {
      return encodeUserBroadcast(
        this.topic,
        this.userEvent,
        this.origin.encoding,
        this.origin.body,
      );
    }
    return encodeText(
      {
        joinRef: null,
        ref: null,
        topic: this.topic,
        event: 'broadcast',
        payload: this.origin.payload,
      },
      VSN.V2,
    );
  }

  private encodeV1(): string | null {
    let payload: Record<string, unknown>;
    if (this.origin.kind === 'map') {
      payload = this.origin.payload;
    } else if (this.origin.encoding === ENCODING.JSON) {
      payload = { event: this.userEvent, payload: this.origin.json, type: 'broadcast' };
    } else {
      return null;
    }
    return encodeText(
      { joinRef: null, ref: null, topic: this.topic, event: 'broadcast', payload },
      VSN.V1,
    );
  }
}
