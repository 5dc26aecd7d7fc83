/**
 * Fuzzes the embedded Realtime hub over real sockets: several fuzz sockets (vsn 1.0.0 and 2.0.0,
 * anon and service-role keys) send well over 10,000 random and malformed frames (text, binary
 * kind 0-255, lying kind 3 headers, invalid UTF-8, oversized frames, deep JSON, huge numbers,
 * wrong join/presence/access_token payloads, stale join_refs, …), raw TCP connections send
 * WebSocket-level garbage, and a few odd upgrade requests arrive, while a well-behaved pair (one
 * vsn 2, one vsn 1) exchanges numbered broadcasts on a public topic. The pair must see every
 * broadcast exactly once and in order, the hub must never throw (no uncaught exception, no
 * `error`-level log such as `realtime.handler_failed`), every frame it sends must be well formed,
 * and afterwards it must answer a heartbeat and a fresh join and hold no leftover state.
 *
 * The PRNG is seeded: the seed is printed, and `FUZZ_SEED=<n> npx vitest run test/hub/fuzz.test.ts`
 * replays the same frame sequence per socket (only the timing of reconnects can differ).
 */
import { once } from 'node:events';
import { randomInt } from 'node:crypto';
import net from 'node:net';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../protocol/test-support/seeded-random.ts';
import type { LogLevel } from '../../server/lib/logger.ts';
import { nowSeconds, startTestHub, type TestHub } from '../helpers/hub.ts';
import { TestSocket } from '../helpers/sockets.ts';

type Vsn = '1.0.0' | '2.0.0';

const FRAME_LIMIT = 64 * 1024;
/** Small enough that near-limit frames also cross the payload limit (`kb * 1000 + 500` bytes). */
const PAYLOAD_KB = 16;
const TARGET_FRAMES = 12_000;
const GOOD_MESSAGES = 200;
const GOOD_TOPIC = 'realtime:fuzz-lobby';
const SEQ_EVENT = 'chorus-fuzz-seq';
/** One heartbeat round trip per this many frames keeps the sockets in step with the hub. */
const SYNC_EVERY = 20;
const SEED = parseSeed(process.env.FUZZ_SEED);

/** Nesting depth of JSON the fuzzer sends; the hub refuses frames nested deeper than 64. */
const DEEP_JSON = 20_000;
/** The deepest JSON the hub accepts (server/realtime/hub/serializer.ts MAX_JSON_DEPTH). */
const ACCEPTED_DEPTH = 60;

/**
 * Hub bugs this fuzzer found. Fixed, and now ordinary inputs of every run:
 * - deep JSON overflowed JSON.stringify's stack (broadcasts, presence, postgres_changes);
 * - a presence key such as `constructor` broke presence_state for everyone on the topic;
 * - a JWT `alg` such as `constructor` reached createHmac: uncaught when it was an upgrade apikey;
 * - A: a request target of `//` (upgrade or plain HTTP) made `new URL()` throw in hub.ts /
 *   rest.ts, an uncaught exception that ended the process;
 * - B: an upgrade for any other path (`/realtime/v1/websocket/`) was neither answered nor
 *   destroyed: the socket leaked and `server.close()` never resolved.
 */

// ---------------------------------------------------------------------------------------------
// Seeded randomness and JSON text with raw injections

function parseSeed(value: string | undefined): number {
  if (value === undefined || value === '') return randomInt(2 ** 31);
  const seed = Number(value);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${value}`);
  return seed >>> 0;
}

/** Fuzz-case choices over a seeded PRNG (mulberry32): the seed reproduces the run. */
class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(size: number): Buffer {
    const bytes = Buffer.allocUnsafe(size);
    for (let index = 0; index < size; index += 1) bytes[index] = this.int(256);
    return bytes;
  }
  weighted<T>(entries: ReadonlyArray<readonly [number, T]>): T {
    let roll = this.next() * entries.reduce((sum, [weight]) => sum + weight, 0);
    for (const [weight, value] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1]![1];
  }
}

/**
 * JSON.stringify plus raw snippets JSON.stringify cannot produce (`1e999`, `-0`, 10,000 nested
 * brackets): `raw()` returns a marker string that `stringify()` replaces with the text.
 */
class JsonText {
  private readonly raws: string[] = [];
  raw(text: string): string {
    this.raws.push(text);
    return `\u0000raw${this.raws.length - 1}\u0000`;
  }
  stringify(value: unknown): string {
    return JSON.stringify(value).replace(
      /"\\u0000raw(\d+)\\u0000"/g,
      (_match, index: string) => this.raws[Number(index)]!,
    );
  }
}

/** Sets an own enumerable property, so `__proto__` becomes a key instead of a prototype. */
function own(
  target: Record<string, unknown>,
  key: string,
  value: unknown,
): Record<string, unknown> {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return target;
}

// ---------------------------------------------------------------------------------------------
// The frame generator

const HUGE_NUMBERS = [
  '1e999',
  '-1e999',
  '1e-999',
  '-0',
  '-0.0e-0',
  '123456789012345678901234567890123456789',
  '9007199254740993',
  '1.7976931348623157e308',
  '5e-324',
  '1E+2',
  '-9223372036854775809',
  '0.1e400',
];
const WEIRD_STRINGS = [
  '',
  ' ',
  'null',
  'true',
  'TRACK',
  'Untrack',
  'broadcast',
  'phx_join',
  'phx_leave',
  'heartbeat',
  'phoenix',
  'realtime:',
  'realtime:fuzz-a',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '\u0000',
  '\ud800',
  '\udfff',
  '\ud83d',
  '😀',
  'ü',
  '\u202e',
  '\ufeff',
  'a'.repeat(256),
  'é'.repeat(200),
  '%00',
  '../..',
  '<script>',
  '\\',
  '"',
  "'",
  '\r\n',
  'sb_publishable_x',
  'eyJhbGciOiJIUzI1NiJ9',
];
const TOPICS = [
  GOOD_TOPIC,
  GOOD_TOPIC,
  'realtime:fuzz-a',
  'realtime:fuzz-b',
  'realtime:room:fuzz',
  'realtime:room:other',
];
const WEIRD_TOPICS = [
  '',
  'realtime:',
  'realtime',
  'REALTIME:x',
  'phoenix',
  'realtime:realtime:x',
  `realtime:${'x'.repeat(250)}`,
  `realtime:${'ü'.repeat(200)}`,
  'realtime:\u0000',
  'realtime:__proto__',
  'realtime:constructor',
  'realtime:😀',
  'realtime: ',
  'realtime:%2F..',
  ' realtime:x',
  'realtime:room:',
  'realtime:room:fuzz/../other',
  'realtime:\ud800',
  `realtime:${'y'.repeat(3000)}`,
];
const FLEX_BOOLEANS = [
  true,
  false,
  'true',
  'FALSE',
  'True',
  'yes',
  1,
  0,
  null,
  [],
  {},
  '',
  'tRuE ',
];
const CLIENT_EVENTS_SERVER_ONLY = [
  'phx_reply',
  'phx_close',
  'phx_error',
  'presence_state',
  'presence_diff',
  'system',
  'postgres_changes',
];

interface Model {
  readonly vsn: Vsn;
  ref: number;
  /** Joins this socket's generator sent (not necessarily accepted): targets for later frames. */
  joins: Array<{ topic: string; joinRef: string }>;
}

interface Out {
  data: string | Buffer;
  binary: boolean;
  label: string;
  /** The hub is expected to close the socket after this frame. */
  closes?: boolean;
}

class FrameGenerator {
  /** The JSON text of the case being generated (a fresh one per case). */
  private json = new JsonText();

  constructor(
    private readonly rng: Rng,
    private readonly model: Model,
    private readonly tokens: readonly string[],
  ) {}

  /** One fuzz case: usually one frame, sometimes a burst. */
  next(): Out[] {
    const rng = this.rng;
    const run = rng.weighted<() => Out | Out[]>([
      [12, () => this.join()],
      [10, () => this.broadcastText()],
      [10, () => this.broadcastBinary()],
      [8, () => this.lyingBinary()],
      [5, () => this.randomKind()],
      [8, () => this.presence()],
      [6, () => this.accessToken()],
      [4, () => this.leave()],
      [3, () => this.heartbeat()],
      [6, () => this.malformedArray()],
      [6, () => this.malformedObject()],
      [
        3,
        () => ({ data: this.json.stringify(this.value(3)), binary: false, label: 'random-json' }),
      ],
      [3, () => this.garbageText()],
      [2, () => this.deepIgnored()],
      [3, () => this.serverOnlyEvent()],
      [2, () => this.shapeSwap()],
      [1, () => this.invalidUtf8()],
      [1, () => this.oversized()],
      [1, () => this.nearLimit()],
      [0.02, () => this.burst('join-burst', 105, () => this.join())],
      [0.02, () => this.burst('event-burst', 105, () => this.validBroadcast())],
      [0.1, () => this.burst('presence-burst', 7, () => this.presence())],
    ]);
    this.json = new JsonText();
    const out = run();
    return Array.isArray(out) ? out : [out];
  }

  // --- values ---

  private newRef(): string {
    this.model.ref += 1;
    return String(this.model.ref);
  }

  private string(): string {
    const rng = this.rng;
    switch (rng.int(5)) {
      case 0:
      case 1:
        return rng.pick(WEIRD_STRINGS);
      case 2:
        return Array.from({ length: rng.int(20) }, () =>
          String.fromCharCode(32 + rng.int(95)),
        ).join('');
      case 3:
        return Array.from({ length: rng.int(12) }, () =>
          String.fromCodePoint(
            rng.pick([rng.int(0x80), rng.int(0xd800), 0x10000 + rng.int(0xfffff)]),
          ),
        ).join('');
      default:
        return rng.pick(['x', 'ü', '😀', '\\"']).repeat(rng.int(3000));
    }
  }

  /** A random JSON value; one in ten (at each level) is a nested-brackets block, shallow or very deep. */
  private value(depth: number): unknown {
    const rng = this.rng;
    const json = this.json;
    switch (rng.int(depth > 0 ? 10 : 6)) {
      case 0:
        return null;
      case 1:
        return rng.chance(0.5);
      case 2:
        return rng.pick([
          0,
          1,
          -1,
          0.5,
          2 ** 53,
          -(2 ** 31),
          Number.MAX_VALUE,
          Number.MIN_VALUE,
          rng.next() * 1e6,
        ]);
      case 3:
        return json.raw(rng.pick(HUGE_NUMBERS));
      case 4:
      case 5:
        return this.string();
      case 6:
        return Array.from({ length: rng.int(5) }, () => this.value(depth - 1));
      case 7:
      case 8: {
        const object: Record<string, unknown> = {};
        for (let index = rng.int(5); index > 0; index -= 1)
          own(object, rng.chance(0.5) ? this.string() : `k${index}`, this.value(depth - 1));
        return object;
      }
      default:
        return json.raw(
          this.deep(
            rng.chance(0.5) ? rng.range(2, ACCEPTED_DEPTH) : rng.range(ACCEPTED_DEPTH, DEEP_JSON),
          ),
        );
    }
  }

  /** Nested brackets, at most ~48 KB of text so the frame stays under the limit. */
  private deep(depth: number): string {
    const budget = 48_000;
    switch (this.rng.int(3)) {
      case 0: {
        const levels = Math.min(depth, budget / 2);
        return `${'['.repeat(levels)}${']'.repeat(levels)}`;
      }
      case 1: {
        const levels = Math.min(depth, Math.floor(budget / 6));
        return `${'{"a":'.repeat(levels)}null${'}'.repeat(levels)}`;
      }
      default: {
        const pairs = Math.min(depth >> 1, budget >> 3);
        return `${'[{"a":'.repeat(pairs)}1${'}]'.repeat(pairs)}`;
      }
    }
  }

  private flex(): unknown {
    return this.rng.pick(FLEX_BOOLEANS);
  }

  private presenceKey(): unknown {
    return this.rng.chance(0.8) ? this.string() : this.rng.pick([5, null, {}, []]);
  }

  private token(): unknown {
    return this.rng.chance(0.85) ? this.rng.pick(this.tokens) : this.value(1);
  }

  private eventName(): string {
    return this.rng.chance(0.5)
      ? this.rng.pick(['ev', 'typing', 'message-start', 'text-delta'])
      : this.string();
  }

  /** A topic/join_ref pair: mostly one this socket joined, else an unjoined or stale one. */
  private target(): { topic: string; joinRef: string | null } {
    const rng = this.rng;
    const joined =
      this.model.joins.length > 0 && rng.chance(0.8) ? rng.pick(this.model.joins) : undefined;
    if (!joined)
      return {
        topic: rng.chance(0.8) ? rng.pick(TOPICS) : rng.pick(WEIRD_TOPICS),
        joinRef: rng.chance(0.5) ? null : this.newRef(),
      };
    const joinRef = rng.weighted<string | null>([
      [8, joined.joinRef],
      [1, null],
      [1, String(Number(joined.joinRef) - 1)],
    ]);
    return { topic: joined.topic, joinRef };
  }

  /** A text frame in this socket's shape (or the other one's). */
  private text(
    fields: { joinRef: unknown; ref: unknown; topic: unknown; event: unknown; payload: unknown },
    shape = this.model.vsn,
  ): string {
    const { joinRef, ref, topic, event, payload } = fields;
    const json = this.json;
    if (shape === '2.0.0') return json.stringify([joinRef, ref, topic, event, payload]);
    const object: Record<string, unknown> = { topic, event, payload, ref };
    if (joinRef !== null || this.rng.chance(0.5)) object.join_ref = joinRef;
    return json.stringify(object);
  }

  private kind3(fields: {
    joinRef: Buffer;
    ref: Buffer;
    topic: Buffer;
    event: Buffer;
    metadata: Buffer;
    encoding: number;
    body: Buffer;
  }): Buffer {
    const { joinRef, ref, topic, event, metadata, encoding, body } = fields;
    const header = [
      3,
      joinRef.length,
      ref.length,
      topic.length,
      event.length,
      metadata.length,
      encoding,
    ].map((size) => size & 0xff);
    return Buffer.concat([Buffer.from(header), joinRef, ref, topic, event, metadata, body]);
  }

  // --- cases ---

  private joinPayload(): unknown {
    const rng = this.rng;
    const json = this.json;
    if (rng.chance(0.08)) return this.value(2);
    const maybe = (value: () => unknown) => (rng.chance(0.7) ? value() : undefined);
    const config = rng.chance(0.08)
      ? this.value(2)
      : {
          broadcast: maybe(() =>
            rng.pick<() => unknown>([
              () => ({ self: this.flex(), ack: this.flex() }),
              () => ({
                self: this.flex(),
                replay: rng.chance(0.5)
                  ? { since: this.value(1), limit: this.value(1) }
                  : this.value(1),
              }),
              () => ({
                replication_ready: this.flex(),
                extra: json.raw(this.deep(rng.range(1, DEEP_JSON))),
              }),
              () => this.value(1),
            ])(),
          ),
          presence: maybe(() =>
            rng.chance(0.8)
              ? { enabled: rng.chance(0.5) || this.flex(), key: this.presenceKey() }
              : this.value(1),
          ),
          postgres_changes: maybe(() =>
            rng.chance(0.6)
              ? Array.from({ length: rng.int(4) }, () =>
                  rng.chance(0.7)
                    ? {
                        event: rng.pick(['*', 'INSERT', 'insert', 5, null]),
                        schema: rng.pick(['public', '', null]),
                        table: this.value(0),
                        filter: this.value(1),
                      }
                    : this.value(1),
                )
              : this.value(1),
          ),
          private: maybe(() => this.flex()),
        };
    const payload: Record<string, unknown> = { config };
    if (rng.chance(0.5)) payload.access_token = this.token();
    if (rng.chance(0.1)) payload.user_token = this.token();
    if (rng.chance(0.3)) payload.version = 'realtime-js/2.119.0';
    return payload;
  }

  private join(): Out {
    const rng = this.rng;
    const topic = rng.chance(0.85) ? rng.pick(TOPICS) : rng.pick(WEIRD_TOPICS);
    const ref = this.newRef();
    const joinRef = rng.weighted<unknown>([
      [12, ref],
      [1, null],
      [1, this.newRef()],
      [1, 5],
      [1, ''],
    ]);
    if (typeof joinRef === 'string' && joinRef !== '') {
      this.model.joins.push({ topic, joinRef });
      if (this.model.joins.length > 10) this.model.joins.shift();
    }
    return {
      data: this.text({ joinRef, ref, topic, event: 'phx_join', payload: this.joinPayload() }),
      binary: false,
      label: 'join',
    };
  }

  private validBroadcast(): Out {
    const { topic, joinRef } = this.target();
    const payload = { type: 'broadcast', event: this.eventName(), payload: this.value(2) };
    return {
      data: this.text({ joinRef, ref: this.newRef(), topic, event: 'broadcast', payload }),
      binary: false,
      label: 'broadcast-text',
    };
  }

  private broadcastText(): Out {
    const rng = this.rng;
    if (rng.chance(0.5)) return this.validBroadcast();
    const { topic, joinRef } = this.target();
    const payload = rng.pick<() => unknown>([
      () => this.value(2),
      () => ({ type: 'broadcast', event: this.value(1), payload: this.value(2) }),
      () => ({ type: this.value(0), event: this.eventName() }),
      () => ({
        event: this.eventName(),
        payload: this.value(2),
        meta: this.value(2),
        extra: this.value(2),
      }),
      () => ({
        type: 'broadcast',
        event: this.eventName(),
        payload: 'z'.repeat(rng.range(16_000, 17_000)),
      }),
    ])();
    const ref = rng.pick<unknown>([this.newRef(), null, 7, '']);
    return {
      data: this.text({ joinRef, ref, topic, event: 'broadcast', payload }),
      binary: false,
      label: 'broadcast-text-odd',
    };
  }

  private broadcastBinary(): Out {
    const rng = this.rng;
    const { topic, joinRef } = this.target();
    const json = this.json;
    const encoding = rng.weighted([
      [7, 1],
      [2, 0],
      [1, rng.range(2, 255)],
    ]);
    const body = rng.pick<() => Buffer>([
      () => Buffer.from(json.stringify(this.value(3))),
      () => Buffer.from(json.stringify(this.value(3))),
      () => Buffer.from(rng.pick(['', '{', '{"a":', 'nul', '\ufeff{}', '[1,]', '{"a":1}}'])),
      () => rng.bytes(rng.int(200)),
      () => Buffer.alloc(rng.range(16_000, 20_000), 0x31),
    ])();
    const utf8 = (text: string) => Buffer.from(text.slice(0, 255), 'utf8').subarray(0, 255);
    const field = (text: string | null) =>
      rng.chance(0.1) ? rng.bytes(rng.int(20)) : utf8(text ?? '');
    const frame = this.kind3({
      joinRef: field(joinRef),
      ref: field(rng.chance(0.7) ? this.newRef() : null),
      topic: rng.chance(0.9) ? utf8(topic) : rng.bytes(rng.int(255)),
      event: field(this.eventName()),
      metadata: rng.pick([
        Buffer.alloc(0),
        Buffer.from('{"persist":true}'),
        rng.bytes(rng.int(255)),
      ]),
      encoding,
      body,
    });
    return { data: frame, binary: true, label: 'broadcast-binary' };
  }

  /** kind 3 whose size bytes lie: truncated headers, fields running past the end, empty frames. */
  private lyingBinary(): Out {
    const rng = this.rng;
    const header = Buffer.from([
      3,
      rng.int(256),
      rng.int(256),
      rng.int(256),
      rng.int(256),
      rng.int(256),
      rng.pick([0, 1, rng.int(256)]),
    ]);
    const declared = 7 + header[1]! + header[2]! + header[3]! + header[4]! + header[5]!;
    const length = rng.pick([
      rng.int(7),
      declared - 1,
      declared,
      declared + rng.int(50),
      rng.int(declared + 1),
    ]);
    const data = Buffer.concat([header, rng.bytes(Math.max(0, length - 7))]).subarray(
      0,
      Math.max(0, length),
    );
    return { data, binary: true, label: 'binary-lying-sizes' };
  }

  private randomKind(): Out {
    const kind = this.rng.int(256);
    return {
      data: Buffer.concat([Buffer.from([kind]), this.rng.bytes(this.rng.int(300))]),
      binary: true,
      label: 'binary-random-kind',
    };
  }

  private presence(): Out {
    const rng = this.rng;
    const { topic, joinRef } = this.target();
    const state = rng.pick<() => unknown>([
      () => ({ online_at: Date.now(), name: this.string() }),
      () => this.value(3),
      () => rng.pick(['string', 5, null, [], [1, 2], true]),
      () => ({ big: 'p'.repeat(rng.range(16_000, 17_000)) }),
      () => undefined,
    ])();
    const payload = rng.chance(0.1)
      ? this.value(1)
      : {
          type: rng.pick(['presence', 'broadcast', 5]),
          event: rng.pick<unknown>([
            'track',
            'track',
            'untrack',
            'TRACK',
            'Untrack',
            'join',
            '',
            5,
            null,
          ]),
          payload: state,
        };
    return {
      data: this.text({ joinRef, ref: this.newRef(), topic, event: 'presence', payload }),
      binary: false,
      label: 'presence',
    };
  }

  private accessToken(): Out {
    const { topic, joinRef } = this.target();
    const payload = this.rng.chance(0.9) ? { access_token: this.token() } : this.value(1);
    return {
      data: this.text({ joinRef, ref: this.newRef(), topic, event: 'access_token', payload }),
      binary: false,
      label: 'access-token',
    };
  }

  private leave(): Out {
    const { topic, joinRef } = this.target();
    if (this.rng.chance(0.5))
      this.model.joins = this.model.joins.filter((join) => join.topic !== topic);
    return {
      data: this.text({
        joinRef,
        ref: this.newRef(),
        topic,
        event: 'phx_leave',
        payload: this.value(1),
      }),
      binary: false,
      label: 'leave',
    };
  }

  private heartbeat(): Out {
    const rng = this.rng;
    const json = this.json;
    const ref = rng.pick<unknown>([this.newRef(), null, 5, '']);
    const payload = rng.chance(0.2) ? json.raw(this.deep(rng.range(1, DEEP_JSON))) : this.value(2);
    return {
      data: this.text({
        joinRef: rng.pick([null, 'x']),
        ref,
        topic: 'phoenix',
        event: 'heartbeat',
        payload,
      }),
      binary: false,
      label: 'heartbeat',
    };
  }

  /** vsn 2 arrays of the wrong length or with wrong types (extra trailing elements are allowed). */
  private malformedArray(): Out {
    const rng = this.rng;
    const json = this.json;
    const fields: unknown[] = [
      this.newRef(),
      this.newRef(),
      rng.pick(TOPICS),
      rng.pick(['phx_join', 'broadcast', 'presence', 'heartbeat']),
      {},
    ];
    const mutation = rng.int(4);
    if (mutation === 0) fields.length = rng.int(5);
    else if (mutation === 1) fields[rng.int(5)] = this.value(1);
    else if (mutation === 2)
      for (let extra = rng.range(1, 3); extra > 0; extra -= 1)
        fields.push(json.raw(this.deep(rng.range(1, DEEP_JSON >> 2))));
    else fields[rng.int(4)] = rng.pick([5, json.raw('1e999'), true, {}, [], json.raw('-0')]);
    return { data: json.stringify(fields), binary: false, label: 'malformed-array' };
  }

  /** vsn 1 objects missing keys, with wrong types, or with a literal `__proto__` key. */
  private malformedObject(): Out {
    const rng = this.rng;
    const json = this.json;
    const object: Record<string, unknown> = {
      topic: rng.pick(TOPICS),
      event: rng.pick(['phx_join', 'broadcast', 'presence', 'heartbeat']),
      payload: {},
      ref: this.newRef(),
      join_ref: this.newRef(),
    };
    const keys = Object.keys(object);
    for (let index = rng.range(1, 3); index > 0; index -= 1) {
      const key = rng.pick(keys);
      if (rng.chance(0.5)) delete object[key];
      else object[key] = this.value(1);
    }
    if (rng.chance(0.2))
      own(object, '__proto__', { topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '1' });
    return { data: json.stringify(object), binary: false, label: 'malformed-object' };
  }

  private garbageText(): Out {
    const rng = this.rng;
    const valid = this.text({
      joinRef: '1',
      ref: '1',
      topic: GOOD_TOPIC,
      event: 'phx_join',
      payload: { config: {} },
    });
    const data = rng.pick<() => string>([
      () => this.string(),
      () =>
        rng.pick([
          '',
          '[',
          ']',
          '{"',
          '[null,null',
          '\ufeff[null,"1","phoenix","heartbeat",{}]',
          'undefined',
          'NaN',
          '[,,,,]',
          '{}{}',
          '"\\ud800"',
        ]),
      () => valid.slice(0, rng.int(valid.length)),
      () => `${valid}${rng.pick([' ', ',', '}', ']', '\u0000'])}`,
    ])();
    return { data, binary: false, label: 'garbage-text' };
  }

  /** Deep nesting the hub parses but never re-encodes: heartbeats, unknown events, the join config. */
  private deepIgnored(): Out {
    const rng = this.rng;
    const json = this.json;
    const deep = json.raw(this.deep(rng.range(1_000, DEEP_JSON)));
    const { topic, joinRef } = this.target();
    const fields = rng.pick([
      { joinRef: null, ref: this.newRef(), topic: 'phoenix', event: 'heartbeat', payload: deep },
      { joinRef, ref: this.newRef(), topic, event: 'chorus-unknown', payload: deep },
      {
        joinRef,
        ref: this.newRef(),
        topic,
        event: 'access_token',
        payload: { access_token: deep },
      },
      { joinRef: null, ref: this.newRef(), topic: 'not-a-topic', event: 'phx_join', payload: deep },
    ]);
    return {
      data: rng.chance(0.2) ? this.deep(rng.range(1_000, DEEP_JSON)) : this.text(fields),
      binary: false,
      label: 'deep-ignored',
    };
  }

  private serverOnlyEvent(): Out {
    const rng = this.rng;
    const { topic, joinRef } = this.target();
    const event = rng.pick(CLIENT_EVENTS_SERVER_ONLY);
    return {
      data: this.text({
        joinRef,
        ref: this.newRef(),
        topic: rng.chance(0.2) ? 'phoenix' : topic,
        event,
        payload: this.value(2),
      }),
      binary: false,
      label: 'server-only-event',
    };
  }

  private shapeSwap(): Out {
    const { topic, joinRef } = this.target();
    const other: Vsn = this.model.vsn === '2.0.0' ? '1.0.0' : '2.0.0';
    const event = this.rng.pick(['phx_join', 'broadcast', 'heartbeat', 'presence', 'phx_leave']);
    const payload = { type: 'broadcast', event: 'ev', payload: {}, config: {} };
    return {
      data: this.text({ joinRef, ref: this.newRef(), topic, event, payload }, other),
      binary: false,
      label: 'shape-swap',
    };
  }

  private invalidUtf8(): Out {
    const rng = this.rng;
    const bad = rng.pick([
      [0xff],
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
      [0x80],
    ]);
    const data = Buffer.concat([
      Buffer.from('[null,"1","phoenix","heartbeat",{"x":"'),
      Buffer.from(bad),
      Buffer.from('"}]'),
    ]);
    return { data, binary: false, label: 'invalid-utf8-text', closes: true };
  }

  private oversized(): Out {
    const rng = this.rng;
    const size = FRAME_LIMIT + 1 + rng.int(20_000);
    if (rng.chance(0.5)) {
      const text = this.text({
        joinRef: null,
        ref: '1',
        topic: 'phoenix',
        event: 'heartbeat',
        payload: { pad: '' },
      });
      return {
        data: text.replace('"pad":""', `"pad":"${'o'.repeat(size - text.length)}"`),
        binary: false,
        label: 'oversized',
        closes: true,
      };
    }
    const data = Buffer.alloc(size, 0x6f);
    data.set([3, 1, 1, GOOD_TOPIC.length, 2, 0, 1], 0);
    return { data, binary: true, label: 'oversized', closes: true };
  }

  /** Exactly at the frame limit: accepted by the transport, over the payload limit. */
  private nearLimit(): Out {
    const { topic, joinRef } = this.target();
    const text = this.text({
      joinRef,
      ref: this.newRef(),
      topic,
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'ev', payload: { pad: '' } },
    });
    return {
      data: text.replace(
        '"pad":""',
        `"pad":"${'n'.repeat(FRAME_LIMIT - Buffer.byteLength(text))}"`,
      ),
      binary: false,
      label: 'near-limit',
    };
  }

  private burst(label: string, count: number, make: () => Out): Out[] {
    return Array.from({ length: count }, () => ({ ...make(), label }));
  }
}

// ---------------------------------------------------------------------------------------------
// What the hub sends must be well formed

function checkOutbound(
  vsn: Vsn,
  data: Buffer,
  isBinary: boolean,
): { problem: string } | { frame: unknown[] | Record<string, unknown> | null } {
  if (isBinary) {
    if (vsn === '1.0.0') return { problem: 'binary frame sent to a vsn 1 socket' };
    if (data.length < 5 || data[0] !== 4)
      return { problem: `binary frame of kind ${data[0]} (only kind 4 is allowed)` };
    const bodyStart = 5 + data[1]! + data[2]! + data[3]!;
    if (bodyStart > data.length) return { problem: 'kind 4 header sizes run past the frame' };
    if (data[4] !== 0 && data[4] !== 1) return { problem: `kind 4 encoding ${data[4]}` };
    if (data[4] === 1) {
      try {
        JSON.parse(data.toString('utf8', bodyStart));
      } catch {
        return { problem: 'kind 4 JSON body is not JSON' };
      }
    }
    return { frame: null };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch {
    return { problem: 'text frame is not JSON' };
  }
  const isRef = (value: unknown) => value === null || typeof value === 'string';
  if (vsn === '2.0.0') {
    if (!Array.isArray(parsed) || parsed.length !== 5)
      return { problem: 'vsn 2 text frame is not a 5-element array' };
    const [joinRef, ref, topic, event] = parsed as unknown[];
    if (!isRef(joinRef) || !isRef(ref) || typeof topic !== 'string' || typeof event !== 'string')
      return { problem: 'vsn 2 frame field types' };
    return { frame: parsed as unknown[] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { problem: 'vsn 1 text frame is not an object' };
  const object = parsed as Record<string, unknown>;
  if (
    typeof object.topic !== 'string' ||
    typeof object.event !== 'string' ||
    !('payload' in object) ||
    !isRef(object.ref)
  ) {
    return { problem: 'vsn 1 frame fields' };
  }
  if ('join_ref' in object) return { problem: 'vsn 1 frame carries join_ref' };
  return { frame: object };
}

const frameParts = (frame: unknown[] | Record<string, unknown>) =>
  Array.isArray(frame)
    ? { ref: frame[1], topic: frame[2], event: frame[3], payload: frame[4] }
    : { ref: frame.ref, topic: frame.topic, event: frame.event, payload: frame.payload };

// ---------------------------------------------------------------------------------------------
// Fuzz sockets

interface Findings {
  problems: string[];
  closeCodes: Map<number, number>;
  labels: Map<string, number>;
  /** What the fuzz sockets got back: reply statuses and other events, to show how deep it reached. */
  received: Map<string, number>;
  frames: number;
  reopens: number;
}

/** One fuzz socket slot: reopened whenever the hub closes it. */
class FuzzSlot {
  private ws: WebSocket | undefined;
  private closed: Promise<void> = Promise.resolve();
  private syncs = 0;
  private readonly waiting = new Map<string, () => void>();

  constructor(
    private readonly url: string,
    readonly vsn: Vsn,
    private readonly findings: Findings,
  ) {}

  async ensureOpen(): Promise<WebSocket> {
    if (this.ws?.readyState === WebSocket.OPEN) return this.ws;
    if (this.ws) {
      this.ws.terminate();
      await this.closed;
      this.findings.reopens += 1;
    }
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.closed = new Promise((resolve) =>
      ws.once('close', (code) => {
        this.findings.closeCodes.set(code, (this.findings.closeCodes.get(code) ?? 0) + 1);
        for (const wake of this.waiting.values()) wake();
        this.waiting.clear();
        resolve();
      }),
    );
    ws.on('error', () => {}); // close codes are what we check
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) =>
      this.receive(toBuffer(data), isBinary),
    );
    await once(ws, 'open');
    return ws;
  }

  send(out: Out): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(out.data, { binary: out.binary });
    this.findings.frames += 1;
    this.findings.labels.set(out.label, (this.findings.labels.get(out.label) ?? 0) + 1);
  }

  /** A heartbeat round trip: every frame sent before it has been handled (or the socket closed). */
  async sync(): Promise<void> {
    const ws = this.ws;
    if (ws?.readyState !== WebSocket.OPEN) return;
    this.syncs += 1;
    const ref = `sync-${this.syncs}`;
    const answered = new Promise<void>((resolve) => this.waiting.set(ref, resolve));
    ws.send(
      this.vsn === '2.0.0'
        ? JSON.stringify([null, ref, 'phoenix', 'heartbeat', {}])
        : JSON.stringify({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>(
      (resolve) => (timer = setTimeout(() => resolve(true), 5_000)),
    );
    if (await Promise.race([answered.then(() => false), timedOut])) {
      this.findings.problems.push(
        `no heartbeat reply within 5 s on an open vsn ${this.vsn} socket`,
      );
      ws.terminate();
    }
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    if (!this.ws) return;
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }

  private receive(data: Buffer, isBinary: boolean): void {
    const checked = checkOutbound(this.vsn, data, isBinary);
    if ('problem' in checked) {
      this.findings.problems.push(`${checked.problem}: ${data.subarray(0, 200).toString('hex')}`);
      return;
    }
    const count = (key: string) =>
      this.findings.received.set(key, (this.findings.received.get(key) ?? 0) + 1);
    if (!checked.frame) {
      count('binary broadcast');
      return;
    }
    const { ref, topic, event, payload } = frameParts(checked.frame);
    const status = (payload as { status?: unknown } | null)?.status;
    count(event === 'phx_reply' ? `reply ${String(status)}` : String(event));
    if (event === 'phx_reply') {
      if (
        typeof payload !== 'object' ||
        payload === null ||
        (status !== 'ok' && status !== 'error') ||
        !('response' in payload)
      ) {
        this.findings.problems.push(
          `malformed phx_reply payload: ${JSON.stringify(payload).slice(0, 200)}`,
        );
      }
      if (topic === 'phoenix' && typeof ref === 'string') {
        this.waiting.get(ref)?.();
        this.waiting.delete(ref);
      }
    }
  }
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

// ---------------------------------------------------------------------------------------------
// WebSocket-level garbage over raw TCP, and odd upgrade requests

interface RawConnection {
  socket: net.Socket;
  status: number;
  received: () => Buffer;
  ended: Promise<void>;
}

/** Sends an HTTP upgrade by hand; resolves with the status once the head arrived (0 if none). */
function rawUpgrade(
  port: number,
  target: string,
  headers: Record<string, string> = {},
  timeoutMs = 1_000,
): Promise<RawConnection> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((done) => socket.once('close', () => done()));
    const received = () => Buffer.concat(chunks);
    let settled = false;
    const settle = (status: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ socket, status, received, ended });
    };
    const timer = setTimeout(() => settle(0), timeoutMs);
    socket.on('error', () => settle(0));
    socket.on('close', () => settle(0));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const head = received().toString('latin1');
      if (head.includes('\r\n\r\n')) settle(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0));
    });
    const allHeaders: Record<string, string> = {
      host: '127.0.0.1',
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      ...headers,
    };
    const lines = Object.entries(allHeaders)
      .filter(([, value]) => value !== '')
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`GET ${target} HTTP/1.1\r\n${lines}\r\n`);
  });
}

/** A client WebSocket frame built by hand, so it can break the rules. */
function wsFrame(options: {
  opcode: number;
  payload?: Buffer;
  fin?: boolean;
  rsv?: number;
  mask?: boolean;
  declaredLength?: bigint;
}): Buffer {
  const { opcode, payload = Buffer.alloc(0), fin = true, rsv = 0, mask = true } = options;
  const length = options.declaredLength ?? BigInt(payload.length);
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  let extended = Buffer.alloc(0);
  if (length < 126n) head.push((mask ? 0x80 : 0) | Number(length));
  else if (length < 65_536n) {
    head.push((mask ? 0x80 : 0) | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(Number(length));
  } else {
    head.push((mask ? 0x80 : 0) | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(length);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), extended, payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.from(payload.map((byte, index) => byte ^ key[index & 3]!));
  return Buffer.concat([Buffer.from(head), extended, key, masked]);
}

/** Garbage for a raw vsn 2 connection (the one well-formed case expects a heartbeat reply). */
function wireGarbage(rng: Rng): { frames: Buffer[]; label: string; expectReply?: boolean } {
  const text = (value: string) => Buffer.from(value);
  const cases: Array<() => { frames: Buffer[]; label: string; expectReply?: boolean }> = [
    () => ({
      label: 'reserved-opcode',
      frames: [
        wsFrame({ opcode: rng.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), payload: rng.bytes(10) }),
      ],
    }),
    () => ({
      label: 'rsv-bits',
      frames: [wsFrame({ opcode: 1, rsv: rng.range(1, 7), payload: text('[]') })],
    }),
    () => ({
      label: 'unmasked',
      frames: [
        wsFrame({
          opcode: rng.pick([1, 2]),
          mask: false,
          payload: text('[null,"1","phoenix","heartbeat",{}]'),
        }),
      ],
    }),
    () => ({
      label: 'big-ping',
      frames: [wsFrame({ opcode: 9, payload: rng.bytes(rng.range(126, 300)) })],
    }),
    () => ({
      label: 'fragmented-control',
      frames: [wsFrame({ opcode: rng.pick([8, 9, 10]), fin: false, payload: rng.bytes(4) })],
    }),
    () => ({ label: 'orphan-continuation', frames: [wsFrame({ opcode: 0, payload: text('[]') })] }),
    () => ({
      label: 'interleaved-data',
      frames: [
        wsFrame({ opcode: 1, fin: false, payload: text('[null,') }),
        wsFrame({ opcode: 2, payload: rng.bytes(8) }),
      ],
    }),
    () => ({
      label: 'huge-length',
      frames: [
        wsFrame({
          opcode: 2,
          declaredLength: rng.pick([2n ** 62n, 2n ** 63n, 2n ** 64n - 1n, BigInt(FRAME_LIMIT + 1)]),
          payload: rng.bytes(100),
        }),
      ],
    }),
    () => ({
      label: 'bad-close',
      frames: [
        wsFrame({
          opcode: 8,
          payload: rng.pick([
            Buffer.from([3]),
            Buffer.from([0x03, 0xe7]),
            Buffer.from([0x03, 0xec]),
            Buffer.from([0x13, 0x88]),
            Buffer.from([0x03, 0xe8, 0xff, 0xfe]),
          ]),
        }),
      ],
    }),
    () => ({
      label: 'split-utf8',
      frames: [
        wsFrame({ opcode: 1, fin: false, payload: Buffer.from([0x5b, 0xe2]) }),
        wsFrame({ opcode: 0, payload: Buffer.from([0x28, 0x5d]) }),
      ],
    }),
    () => ({ label: 'truncated-header', frames: [Buffer.from([0x81, 0xfe, 0x01])] }),
    () => ({ label: 'random-bytes', frames: [rng.bytes(rng.range(1, 100))] }),
    () => ({
      label: 'fragmented-heartbeat',
      expectReply: true,
      frames: [
        wsFrame({ opcode: 1, fin: false, payload: text('[null,"wire-1",') }),
        wsFrame({ opcode: 9, payload: text('ping') }),
        wsFrame({ opcode: 0, fin: false, payload: text('"phoenix","heart') }),
        wsFrame({ opcode: 0, payload: text('beat",{}]') }),
      ],
    }),
  ];
  return rng.pick(cases)();
}

const UPGRADE_QUERIES = [
  'vsn=1.0.0',
  'vsn=2.0.0',
  'vsn=3.0.0',
  'vsn=2',
  'vsn=',
  'vsn=1.0.0.0',
  'vsn=%00',
  'vsn=2.0.0&vsn=1.0.0',
  'vsn=~%3E2.0',
  '',
];

// ---------------------------------------------------------------------------------------------
// The test

/** JWTs and not-quite-JWTs for `access_token`, join payloads and upgrade `apikey`s. */
function tokenPool(hub: TestHub): string[] {
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const withHeader = (
    header: unknown,
    claims: unknown = { role: 'anon', exp: nowSeconds() + 3600 },
  ) => `${segment(header)}.${segment(claims)}.c2lnbmF0dXJl`;
  const tokens = [
    hub.anonKey,
    hub.serviceKey,
    hub.roomToken('fuzz'),
    hub.roomToken('other'),
    hub.token({ role: 'anon', exp: nowSeconds() - 10 }),
    hub.token({ role: 'anon', exp: nowSeconds() + 1 }),
    hub.token({ role: 'authenticated', room: 'fuzz', exp: nowSeconds() + 2 }),
    hub.token({ exp: nowSeconds() + 3600 }),
    hub.token({ role: 5 }),
    hub.token({ role: 'anon', exp: 'soon' }),
    hub.token({ role: 'anon', exp: 1e300 }),
    hub.token({ role: 'anon', iat: 'yesterday' }),
    hub.token({ role: 'authenticated', room: { id: 'fuzz' } }),
    hub.token({ role: 'service_role', room: '__proto__' }),
    hub.token({ role: 'anon' }, 'not-the-secret'),
    withHeader({ alg: 'none' }),
    withHeader({ alg: 'HS999' }),
    withHeader(['HS256']),
    withHeader({ alg: 'HS256' }, 'claims'),
    withHeader({ alg: 'constructor' }),
    withHeader({ alg: '__proto__' }),
    withHeader({ alg: 'toString' }),
    'sb_publishable_fuzz',
    'sb_secret_fuzz',
    '',
    'a.b.c',
    '...',
    'eyJ.eyJ.sig',
    'x+y/z=.a.b',
    `${'e'.repeat(20_000)}.${'f'.repeat(20_000)}.g`,
  ];
  return tokens;
}

function goodBroadcastKind3(joinRef: string, ref: string, body: object): Buffer {
  const fields = [joinRef, ref, GOOD_TOPIC, SEQ_EVENT].map((field) => Buffer.from(field));
  const header = Buffer.from([3, ...fields.map((field) => field.length), 0, 1]);
  return Buffer.concat([header, ...fields, Buffer.from(JSON.stringify(body))]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

describe('realtime hub under fuzzing', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A hub whose error/warn logs are recorded, plus process-level crash listeners. */
  async function startWatchedHub() {
    const logged: Array<{ level: LogLevel; event: string; fields?: Record<string, unknown> }> = [];
    const crashes: string[] = [];
    const onCrash = (error: unknown) =>
      crashes.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    cleanups.push(() => {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    });
    const hub = await startTestHub({
      limits: { maxFrameBytes: FRAME_LIMIT, maxPayloadKb: PAYLOAD_KB },
      log: (level, event, fields) => {
        if (level === 'error' || level === 'warn') logged.push({ level, event, fields });
      },
    });
    // Bounded, so a regression of bug B (a leaked upgrade socket) fails the test instead of hanging it.
    cleanups.push(() => Promise.race([hub.close(), sleep(5_000)]).then(() => undefined));
    return { hub, logged, crashes };
  }

  it(`survives ${TARGET_FRAMES}+ random and malformed frames while a well-behaved pair keeps talking`, async () => {
    const started = Date.now();
    console.log(`hub fuzz seed: ${SEED} (reproduce with FUZZ_SEED=${SEED})`);
    const { hub, logged, crashes } = await startWatchedHub();
    const port = Number(new URL(hub.httpUrl).port);
    const tokens = tokenPool(hub);
    const findings: Findings = {
      problems: [],
      closeCodes: new Map(),
      labels: new Map(),
      received: new Map(),
      frames: 0,
      reopens: 0,
    };

    // The well-behaved pair: `a` speaks vsn 2 (kind 3 pushes), `b` vsn 1 (JSON objects).
    const a = await TestSocket.open(hub.socketUrl('2.0.0'));
    const b = await TestSocket.open(hub.socketUrl('1.0.0'));
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const goodConfig = (key: string) => ({
      config: { broadcast: { self: false, ack: true }, presence: { key, enabled: true } },
    });
    const joinA = await a.join(GOOD_TOPIC, goodConfig('good-a'));
    const joinB = await b.join(GOOD_TOPIC, goodConfig('good-b'));
    expect(joinA.payload.status).toBe('ok');
    expect(joinB.payload.status).toBe('ok');
    const received = { a: [] as number[], b: [] as number[] };
    const acks = { a: 0, b: 0 };
    const goodRefs = { a: new Set<string>(), b: new Set<string>() };
    for (const [name, socket] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const other = name === 'a' ? 'b' : 'a';
      socket.ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
        const checked = checkOutbound(socket.vsn, toBuffer(data), isBinary);
        if ('problem' in checked)
          return findings.problems.push(`good socket ${name}: ${checked.problem}`);
        if (!checked.frame) return; // kind 4 from a fuzz socket
        const { ref, topic, event, payload } = frameParts(checked.frame);
        const body = payload as {
          event?: unknown;
          payload?: { seq?: unknown; from?: unknown };
          status?: unknown;
        } | null;
        if (event === 'broadcast' && body?.event === SEQ_EVENT && body.payload?.from === other)
          received[name].push(Number(body.payload.seq));
        if (event === 'phx_reply' && typeof ref === 'string' && goodRefs[name].has(ref)) {
          if (body?.status === 'ok') acks[name] += 1;
          else
            findings.problems.push(`good socket ${name}: broadcast ack ${JSON.stringify(payload)}`);
        }
        if (
          topic === GOOD_TOPIC &&
          (event === 'phx_close' || event === 'phx_error' || event === 'system')
        ) {
          findings.problems.push(`good socket ${name} got ${event}: ${JSON.stringify(payload)}`);
        }
      });
    }

    let goodDone = false;
    const goodPair = (async () => {
      let last = 0;
      for (let seq = 1; seq <= GOOD_MESSAGES; seq += 1) {
        // Spread the 200 broadcasts over the fuzzing, at most ~65/s per socket (the limit is 100/s).
        await waitFor(() => findings.frames >= (seq - 1) * (TARGET_FRAMES / GOOD_MESSAGES), 20_000);
        await sleep(last + 15 - Date.now());
        last = Date.now();
        const refA = a.nextRef();
        goodRefs.a.add(refA);
        a.ws.send(goodBroadcastKind3(joinA.joinRef, refA, { seq, from: 'a', sentAt: last }));
        const refB = b.nextRef();
        goodRefs.b.add(refB);
        b.send({
          joinRef: joinB.joinRef,
          ref: refB,
          topic: GOOD_TOPIC,
          event: 'broadcast',
          payload: {
            type: 'broadcast',
            event: SEQ_EVENT,
            payload: { seq, from: 'b', sentAt: last },
          },
        });
      }
      goodDone = true;
    })();

    // Fuzz sockets: vsn 2 and vsn 1, anon and service role, short and long vsn spellings.
    const slotSpecs: Array<{ vsn: Vsn; key: string; vsnParam?: string }> = [
      { vsn: '2.0.0', key: hub.anonKey },
      { vsn: '2.0.0', key: hub.anonKey, vsnParam: '2.0' },
      { vsn: '2.0.0', key: hub.serviceKey },
      { vsn: '1.0.0', key: hub.anonKey },
      { vsn: '1.0.0', key: hub.anonKey, vsnParam: '1.0.7' },
      { vsn: '1.0.0', key: hub.serviceKey },
    ];
    const slots = slotSpecs.map(({ vsn, key, vsnParam }) => {
      const url = hub.socketUrl(vsn, key).replace(`vsn=${vsn}`, `vsn=${vsnParam ?? vsn}`);
      return new FuzzSlot(url, vsn, findings);
    });
    cleanups.push(() => Promise.all(slots.map((slot) => slot.close())).then(() => undefined));
    const perSlot = Math.ceil(TARGET_FRAMES / slots.length);
    const fuzzing = slots.map(async (slot, index) => {
      const generator = new FrameGenerator(
        new Rng(SEED + index * 0x9e3779b9),
        { vsn: slot.vsn, ref: 1000, joins: [] },
        tokens,
      );
      for (let sent = 0; sent < perSlot || !goodDone;) {
        for (const out of generator.next()) {
          await slot.ensureOpen();
          slot.send(out);
          sent += 1;
          if (out.closes || sent % SYNC_EVERY === 0) await slot.sync();
        }
      }
      await slot.sync();
    });

    // WebSocket-level garbage and odd upgrades, alongside.
    const wireRng = new Rng(SEED ^ 0x5bd1e995);
    let wireFrames = 0;
    const wire = (async () => {
      for (let batch = 0; batch < 15; batch += 1) {
        await Promise.all(
          Array.from({ length: 10 }, async () => {
            const garbage = wireGarbage(wireRng);
            const connection = await rawUpgrade(
              port,
              `/realtime/v1/websocket?apikey=${encodeURIComponent(hub.anonKey)}&vsn=2.0.0`,
              {},
              5_000,
            );
            if (connection.status !== 101)
              findings.problems.push(`raw upgrade answered ${connection.status}`);
            for (const frame of garbage.frames) connection.socket.write(frame);
            wireFrames += garbage.frames.length;
            if (garbage.expectReply) {
              const replied = await waitFor(
                () => connection.received().includes('"phx_reply"'),
                5_000,
              );
              if (!replied)
                findings.problems.push(
                  'no reply to a heartbeat split over fragments with a ping in between',
                );
              connection.socket.write(wsFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8]) }));
            }
            await Promise.race([connection.ended, sleep(300)]);
            connection.socket.destroy();
          }),
        );
      }
    })();
    let upgrades = 0;
    const upgrading = (async () => {
      const targets: Array<{ target: string; headers?: Record<string, string> }> = [];
      for (let index = 0; index < 40; index += 1) {
        const query = wireRng.pick(UPGRADE_QUERIES);
        const apikey = wireRng.chance(0.8)
          ? `apikey=${encodeURIComponent(wireRng.pick(tokens))}`
          : wireRng.pick(['apikey', 'apikey=%ZZ', 'apikey=a&apikey=b']);
        targets.push({
          target: `/realtime/v1/websocket?${[query, apikey].filter(Boolean).join('&')}`,
        });
      }
      targets.push(
        { target: '/realtime/v1/websocket/' },
        { target: '/realtime/v1/websocket?vsn=2.0.0#fragment' },
        { target: `/realtime/v1/websocket?vsn=2.0.0&apikey=${'a'.repeat(8_000)}` },
        { target: '/realtime/v1/websocket?vsn=2.0.0', headers: { 'x-api-key': hub.anonKey } },
        { target: '/realtime/v1/websocket?vsn=2.0.0', headers: { 'x-api-key': 'garbage' } },
        {
          target: `/realtime/v1/websocket?vsn=2.0.0&apikey=${hub.anonKey}`,
          headers: { 'sec-websocket-key': '' },
        },
        {
          target: `/realtime/v1/websocket?vsn=2.0.0&apikey=${hub.anonKey}`,
          headers: { 'sec-websocket-version': '8' },
        },
        {
          target: `/realtime/v1/websocket?vsn=2.0.0&apikey=${hub.anonKey}`,
          headers: { 'sec-websocket-protocol': 'phoenix, x' },
        },
        { target: '/realtime/v1/websocket?vsn=2.0.0&apikey=%E0%A4%A' },
        { target: '/realtime/v1/%2e%2e/v1/websocket?vsn=2.0.0' },
        { target: '//realtime/v1/websocket?vsn=2.0.0' },
        { target: '//' },
        { target: '//[' },
      );
      for (const { target, headers } of targets) {
        const connection = await rawUpgrade(port, target, headers, 500);
        connection.socket.destroy();
        upgrades += 1;
      }
    })();

    await Promise.all([...fuzzing, goodPair, wire, upgrading]);

    // Every numbered broadcast arrived, once, in order, and was acknowledged.
    const expected = Array.from({ length: GOOD_MESSAGES }, (_, index) => index + 1);
    await waitFor(
      () =>
        received.a.length >= GOOD_MESSAGES &&
        received.b.length >= GOOD_MESSAGES &&
        acks.a + acks.b >= 2 * GOOD_MESSAGES,
      5_000,
    );
    expect(received.b, 'vsn 1 receiver, from the vsn 2 sender').toEqual(expected);
    expect(received.a, 'vsn 2 receiver, from the vsn 1 sender').toEqual(expected);
    expect(acks).toEqual({ a: GOOD_MESSAGES, b: GOOD_MESSAGES });

    // Still healthy: the pair's sockets and fresh ones answer heartbeats; a fresh join works.
    for (const socket of [a, b]) {
      expect(socket.ws.readyState).toBe(WebSocket.OPEN);
      const ref = socket.nextRef();
      socket.send({ joinRef: null, ref, topic: 'phoenix', event: 'heartbeat', payload: {} });
      expect(
        (await socket.next((frame) => frame.ref === ref && frame.topic === 'phoenix')).payload,
      ).toEqual({ status: 'ok', response: {} });
    }
    const fresh1 = await TestSocket.open(hub.socketUrl('1.0.0'));
    const fresh2 = await TestSocket.open(hub.socketUrl('2.0.0'));
    cleanups.push(
      () => fresh1.close(),
      () => fresh2.close(),
    );
    for (const fresh of [fresh1, fresh2]) {
      const ref = fresh.nextRef();
      fresh.send({ joinRef: null, ref, topic: 'phoenix', event: 'heartbeat', payload: {} });
      expect((await fresh.next((frame) => frame.ref === ref)).payload).toEqual({
        status: 'ok',
        response: {},
      });
      expect((await fresh.join('realtime:after-fuzz')).payload).toEqual({
        status: 'ok',
        response: { postgres_changes: [] },
      });
    }
    const joinFresh1 = await fresh1.join(GOOD_TOPIC);
    expect(joinFresh1.payload.status).toBe('ok');
    fresh1.send({
      joinRef: joinFresh1.joinRef,
      ref: fresh1.nextRef(),
      topic: GOOD_TOPIC,
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'after', payload: { ok: true } },
    });
    expect(
      (await a.next((frame) => frame.event === 'broadcast' && frame.payload?.event === 'after'))
        .payload.payload,
    ).toEqual({ ok: true });

    // No state left behind by the fuzz sockets once they are gone.
    await Promise.all(slots.map((slot) => slot.close()));
    const settled = await waitFor(
      () => hub.hub.stats().connections === 4 && hub.hub.stats().topics === 2,
      3_000,
    );
    if (!settled)
      findings.problems.push(
        `leftover hub state after closing fuzz sockets: ${JSON.stringify(hub.hub.stats())}, expected 4 connections, 2 topics`,
      );

    const elapsed = Date.now() - started;
    const totalFrames = findings.frames + wireFrames;
    console.log(
      [
        `hub fuzz: ${totalFrames} frames (${findings.frames} from ${slots.length} fuzz sockets, ${wireFrames} raw wire frames), ${upgrades} odd upgrades, ${findings.reopens} reopens, ${elapsed} ms`,
        `  close codes: ${JSON.stringify(Object.fromEntries(findings.closeCodes))}`,
        `  cases: ${JSON.stringify(Object.fromEntries([...findings.labels].sort(([, x], [, y]) => y - x)))}`,
        `  fuzz sockets received: ${JSON.stringify(Object.fromEntries([...findings.received].sort(([, x], [, y]) => y - x)))}`,
      ].join('\n'),
    );

    expect(totalFrames).toBeGreaterThanOrEqual(10_000);
    expect(findings.problems).toEqual([]);
    expect(crashes).toEqual([]);
    expect(
      logged.map(
        ({ level, event, fields }) =>
          `${level} ${event} ${String((fields?.error as Error | undefined)?.message ?? '')}`,
      ),
    ).toEqual([]);
    // Only the closes the fuzz asked for: 1001 join flood, 1007 invalid UTF-8, 1009 oversized, 1005/1000 ours.
    expect(
      [...findings.closeCodes.keys()].filter(
        (code) => ![1000, 1001, 1005, 1007, 1009].includes(code),
      ),
    ).toEqual([]);
  }, 30_000);

  it('regressions: deep JSON, prototype-named presence keys and JWT algs are plain bad input', async () => {
    const { hub, logged, crashes } = await startWatchedHub();
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const constructorAlg = `${segment({ alg: 'constructor' })}.${segment({ role: 'anon', exp: nowSeconds() + 60 })}.c2ln`;
    const v2 = await TestSocket.open(hub.socketUrl('2.0.0'));
    const v1 = await TestSocket.open(hub.socketUrl('1.0.0'));
    cleanups.push(
      () => v2.close(),
      () => v1.close(),
    );
    const joined = await v2.join('realtime:bug');
    await v1.join('realtime:bug');
    const topicsBefore = hub.hub.stats().topics;

    // Deep JSON: relayed to a vsn 1 subscriber, as a kind 3 body, and as postgres_changes bindings.
    v2.ws.send(
      `["${joined.joinRef}","50","realtime:bug","broadcast",{"event":"x","payload":${deep}}]`,
    );
    v2.ws.send(
      Buffer.concat([
        Buffer.from([3, joined.joinRef.length, 2, 12, 1, 0, 1]),
        Buffer.from(`${joined.joinRef}51realtime:bug`),
        Buffer.from('x'),
        Buffer.from(deep),
      ]),
    );
    v2.ws.send(
      `["52","52","realtime:bug-pg","phx_join",{"config":{"postgres_changes":[${deep}]}}]`,
    );
    // A presence keyed `constructor`, then a presence-enabled join that needs presence_state.
    const withPresence = await v2.join('realtime:bug-presence', {
      config: { presence: { key: 'constructor', enabled: true } },
    });
    v2.send({
      joinRef: withPresence.joinRef,
      ref: '53',
      topic: 'realtime:bug-presence',
      event: 'presence',
      payload: { type: 'presence', event: 'track', payload: {} },
    });
    expect((await v2.next((frame) => frame.ref === '53')).payload.status).toBe('ok');
    await v1.join('realtime:bug-presence', { config: { presence: { enabled: true } } });
    expect(
      Object.keys((await v1.next((frame) => frame.event === 'presence_state')).payload),
    ).toEqual(['constructor']);
    // A JWT whose alg is `constructor`: refused as a token, over the socket and at the upgrade.
    const refused = await v2.join('realtime:bug-alg', { access_token: constructorAlg });
    expect(refused.payload).toEqual({
      status: 'error',
      response: { reason: 'JwtSignatureError: Failed to validate JWT signature' },
    });
    const upgrade = await rawUpgrade(
      Number(new URL(hub.httpUrl).port),
      `/realtime/v1/websocket?vsn=2.0.0&apikey=${constructorAlg}`,
    );
    upgrade.socket.destroy();
    expect(upgrade.status).toBe(401);

    const ref = v2.nextRef();
    v2.send({ joinRef: null, ref, topic: 'phoenix', event: 'heartbeat', payload: {} });
    await v2.next((frame) => frame.ref === ref);
    await v1.expectNone((frame) => frame.event === 'broadcast', 50);
    expect(hub.hub.stats().topics, 'the deep postgres_changes join left no channel behind').toBe(
      topicsBefore + 1,
    );
    expect(logged.map(({ event }) => event)).toEqual([]);
    expect(crashes).toEqual([]);
  });

  describe('regressions: request targets', () => {
    it('A: a `//` request target neither crashes the upgrade handler nor the REST handler', async () => {
      const { hub, crashes } = await startWatchedHub();
      const port = Number(new URL(hub.httpUrl).port);
      (await rawUpgrade(port, '//', {}, 500)).socket.destroy();
      const plain = net.connect(port, '127.0.0.1');
      plain.on('error', () => {});
      plain.write('GET // HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
      await sleep(200);
      plain.destroy();
      expect(crashes).toEqual([]);
    });

    it('B: an upgrade for another path is answered or closed, and leaks no socket', async () => {
      const { hub } = await startWatchedHub();
      const connection = await rawUpgrade(
        Number(new URL(hub.httpUrl).port),
        '/realtime/v1/websocket/',
        {},
        1_000,
      );
      connection.socket.destroy();
      await sleep(200);
      const open = await new Promise<number>((resolve, reject) =>
        hub.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
      expect({ status: connection.status, open }).toEqual({ status: 404, open: 0 });
    });
  });
});
