/**
 * The two Phoenix/Supabase Realtime serializers (docs/realtime-protocol.md §2).
 *
 * vsn 1.0.0: JSON objects in text frames; the server leaves `join_ref` out of what it sends.
 * vsn 2.0.0: JSON arrays `[join_ref, ref, topic, event, payload]` in text frames, plus binary
 * user broadcasts: kind 3 (client -> server) and kind 4 (server -> client).
 */
import { isRecord } from '../../lib/is-record.ts';

export const VSN = { V1: '1.0.0', V2: '2.0.0' } as const;
export type Vsn = (typeof VSN)[keyof typeof VSN];

/** Payload encodings of binary user broadcasts. */
export const ENCODING = { BINARY: 0, JSON: 1 } as const;
export type Encoding = (typeof ENCODING)[keyof typeof ENCODING];

const KIND_USER_BROADCAST_PUSH = 3;
const KIND_USER_BROADCAST = 4;
const PUSH_HEADER_BYTES = 7;
const BROADCAST_HEADER_BYTES = 5;
const MAX_FIELD_BYTES = 255;

/** A decoded Phoenix message, in either direction. */
export interface Frame {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

/** A kind 3 frame: a client broadcast whose payload stays as raw bytes until someone needs it. */
export interface UserBroadcastPush {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  userEvent: string;
  encoding: Encoding;
  body: Buffer;
}

export type Inbound =
  { kind: 'frame'; frame: Frame } | { kind: 'user-broadcast'; push: UserBroadcastPush };

/** Picks the serializer for a `vsn` query value, as Phoenix's `~>` match does; null means refuse. */
export function negotiateVsn(vsn: string | null): Vsn | null {
  if (vsn === null || /^1\.0(\.\d+)?$/.test(vsn)) return VSN.V1;
  if (/^2\.0(\.\d+)?$/.test(vsn)) return VSN.V2;
  return null;
}

/** JSON nested deeper than this is refused: nothing in the protocol needs it, and it costs stack. */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests arrays/objects no deeper than `limit` (checked without recursion). */
export function withinDepth(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= limit) return false;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return true;
}

const isRef = (value: unknown): value is string | null =>
  value === null || typeof value === 'string';

/** Decodes a text frame; returns null for anything malformed (the caller drops it). */
export function decodeText(text: string, vsn: Vsn): Inbound | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!withinDepth(data, MAX_JSON_DEPTH + 1)) return null;
  if (vsn === VSN.V2) {
    if (!Array.isArray(data) || data.length < 5) return null;
    const [joinRef, ref, topic, event, payload] = data as unknown[];
    if (!isRef(joinRef) || !isRef(ref) || typeof topic !== 'string' || typeof event !== 'string')
      return null;
    return { kind: 'frame', frame: { joinRef, ref, topic, event, payload } };
  }
  if (!isRecord(data) || !('payload' in data) || !('ref' in data)) return null;
  const joinRef = data.join_ref ?? null;
  const { ref, topic, event, payload } = data;
  if (!isRef(joinRef) || !isRef(ref) || typeof topic !== 'string' || typeof event !== 'string')
    return null;
  return { kind: 'frame', frame: { joinRef, ref, topic, event, payload } };
}

/** Decodes a binary frame: only kind 3 on vsn 2 is meaningful; anything else is null. */
export function decodeBinary(data: Buffer, vsn: Vsn): Inbound | null {
  if (vsn !== VSN.V2 || data.length < PUSH_HEADER_BYTES || data[0] !== KIND_USER_BROADCAST_PUSH)
    return null;
  const joinRefSize = data[1]!;
  const refSize = data[2]!;
  const topicSize = data[3]!;
  const eventSize = data[4]!;
  const metadataSize = data[5]!;
  const encoding = data[6]!;
  if (encoding !== ENCODING.BINARY && encoding !== ENCODING.JSON) return null;
  const bodyStart =
    PUSH_HEADER_BYTES + joinRefSize + refSize + topicSize + eventSize + metadataSize;
  if (bodyStart > data.length) return null;
  let offset = PUSH_HEADER_BYTES;
  const take = (size: number) => data.toString('utf8', offset, (offset += size));
  const joinRef = take(joinRefSize);
  const ref = take(refSize);
  const topic = take(topicSize);
  const userEvent = take(eventSize);
  offset += metadataSize; // the server ignores client metadata (persist) and never relays it
  return {
    kind: 'user-broadcast',
    push: {
      joinRef: joinRefSize ? joinRef : null,
      ref: refSize ? ref : null,
      topic,
      userEvent,
      encoding,
      body: data.subarray(bodyStart),
    },
  };
}

/** Encodes a text frame for `vsn`. vsn 1 omits `join_ref`, as Phoenix's V1 serializer does. */
export function encodeText(frame: Frame, vsn: Vsn): string {
  if (vsn === VSN.V2) {
    return JSON.stringify([frame.joinRef, frame.ref, frame.topic, frame.event, frame.payload]);
  }
  return JSON.stringify({
    topic: frame.topic,
    event: frame.event,
    payload: frame.payload,
    ref: frame.ref,
  });
}

/**
 * Encodes a kind 4 frame (server -> client user broadcast, no metadata). Returns null when the
 * topic or event does not fit the one-byte size fields: such a broadcast cannot reach vsn 2.
 */
export function encodeUserBroadcast(
  topic: string,
  userEvent: string,
  encoding: Encoding,
  body: Uint8Array,
): Buffer | null {
  const topicBytes = Buffer.from(topic, 'utf8');
  const eventBytes = Buffer.from(userEvent, 'utf8');
  if (topicBytes.length > MAX_FIELD_BYTES || eventBytes.length > MAX_FIELD_BYTES) return null;
  const frame = Buffer.allocUnsafe(
    BROADCAST_HEADER_BYTES + topicBytes.length + eventBytes.length + body.length,
  );
  frame[0] = KIND_USER_BROADCAST;
  frame[1] = topicBytes.length;
  frame[2] = eventBytes.length;
  frame[3] = 0;
  frame[4] = encoding;
  topicBytes.copy(frame, BROADCAST_HEADER_BYTES);
  eventBytes.copy(frame, BROADCAST_HEADER_BYTES + topicBytes.length);
  frame.set(body, BROADCAST_HEADER_BYTES + topicBytes.length + eventBytes.length);
  return frame;
}
