// One client WebSocket of the embedded hub (docs/realtime-protocol.md).
// Why one file: it is the protocol's state machine for one socket (join, broadcast, presence,
// access_token, leave and their replies), which docs/realtime-protocol.md describes in the same
// order; frames, channels, limits and broadcasts are in their own modules.
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { JwtError, type VerifiedClaims } from '../../auth/jwt.ts';
import { isRecord } from '../../lib/is-record.ts';
import { OutboundBroadcast } from './broadcast.ts';
import { TOPIC_PREFIX, type Channel } from './channel.ts';
import {
  CLOSE_CODE,
  JOIN_REASON,
  SYSTEM_MESSAGE,
  channelTokenMessage,
  joinTokenReason,
} from './errors.ts';
import { WindowCounter, payloadLimitBytes } from './limits.ts';
import {
  channelAccess,
  isServiceRole,
  maySend,
  parentToLookUp,
  type ParentLookup,
} from './policy.ts';
import type { HubCore } from './hub-core.ts';
import { toBinding } from './postgres-changes.ts';
import {
  MAX_MEMBER_PAYLOAD_BYTES,
  MEMBER_REASON,
  memberId,
  memberPresence,
  memberTyping,
} from './room-protocol.ts';
import {
  ENCODING,
  decodeBinary,
  decodeText,
  withinDepth,
  encodeText,
  type Frame,
  type UserBroadcastPush,
  type Vsn,
} from './serializer.ts';

const MAX_TIMER_MS = 2 ** 31 - 1;

/** A join whose token checked out, waiting for its access to be decided. */
interface JoinRequest {
  frame: Frame;
  subTopic: string;
  isPrivate: boolean;
  config: Record<string, unknown>;
  token: string;
  claims: VerifiedClaims;
  fail(reason: string): void;
}

/** Accepts the strings "true"/"false" in any case, as Supabase's join payload schema does. */
function flexibleBoolean(value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value))
    return value.toLowerCase() === 'true';
  return fallback;
}

/** A stable, truthy id for a postgres_changes binding (Supabase uses `:erlang.phash2`). */
function bindingId(binding: unknown): number {
  let hash = 0x811c9dc5;
  for (const char of JSON.stringify(binding))
    hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return ((hash >>> 0) % 134_217_727) + 1;
}

/**
 * One WebSocket: decodes its frames, runs the channel protocol, and encodes what it is sent.
 * Nothing a client sends can make a handler throw past {@link Connection.receive}.
 */
export class Connection {
  readonly channels = new Map<string, Channel>();
  /** Joins waiting for their room's parent, by topic; a newer join, a leave or a close drops one. */
  private readonly pendingJoins = new Map<string, { joinRef: string | null }>();
  /** Token refreshes waiting for their room's parent: the token each channel will take. */
  private readonly refreshes = new Map<Channel, string>();
  lastSeen = Date.now();
  private readonly events: WindowCounter;
  private readonly joins: WindowCounter;
  private readonly typing: WindowCounter;

  constructor(
    private readonly hub: HubCore,
    readonly socket: WebSocket,
    readonly vsn: Vsn,
    private readonly apikey: string,
  ) {
    this.events = new WindowCounter(hub.limits.maxEventsPerSecond, 1000);
    this.joins = new WindowCounter(hub.limits.maxJoinsPerSecond, 1000);
    this.typing = new WindowCounter(hub.limits.maxTypingPerSecond, 1000);
  }

  /** Sends an encoded frame; a socket that cannot keep up is cut off rather than buffered forever. */
  send(data: string | Buffer): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.hub.limits.maxBufferedBytes) {
      this.hub.log('warn', 'realtime.slow_consumer', { bufferedBytes: this.socket.bufferedAmount });
      this.socket.terminate();
      return;
    }
    this.socket.send(data);
  }

  sendFrame(frame: Frame): void {
    this.send(encodeText(frame, this.vsn));
  }

  receive(data: Buffer, isBinary: boolean): void {
    this.lastSeen = Date.now();
    try {
      const inbound = isBinary
        ? decodeBinary(data, this.vsn)
        : decodeText(data.toString('utf8'), this.vsn);
      if (!inbound) {
        this.hub.log('debug', 'realtime.malformed_frame', { bytes: data.length });
        return;
      }
      if (inbound.kind === 'user-broadcast') this.handleUserBroadcast(inbound.push);
      else this.handleFrame(inbound.frame);
    } catch (error) {
      this.hub.log('error', 'realtime.handler_failed', { error });
    }
  }

  /** Removes every channel of this socket (it closed or dropped): presences leave. */
  dispose(): void {
    this.pendingJoins.clear();
    for (const channel of this.channels.values()) this.removeChannel(channel);
  }

  /** Pushes a channel-level system error, then `phx_close`, and drops the channel. */
  closeChannel(channel: Channel, systemMessage?: string): void {
    if (this.channels.get(channel.topic) !== channel) return;
    if (systemMessage !== undefined) {
      this.sendFrame({
        joinRef: channel.joinRef,
        ref: null,
        topic: channel.topic,
        event: 'system',
        payload: {
          extension: 'system',
          status: 'error',
          message: systemMessage,
          channel: channel.subTopic,
        },
      });
    }
    this.sendFrame({
      joinRef: channel.joinRef,
      ref: channel.joinRef,
      topic: channel.topic,
      event: 'phx_close',
      payload: {},
    });
    this.removeChannel(channel);
  }

  private reply(
    request: Pick<Frame, 'joinRef' | 'ref' | 'topic'>,
    status: 'ok' | 'error',
    response: unknown,
  ): void {
    this.sendFrame({
      joinRef: request.joinRef,
      ref: request.ref,
      topic: request.topic,
      event: 'phx_reply',
      payload: { status, response },
    });
  }

  private replyUnmatched(request: Pick<Frame, 'ref' | 'topic'>): void {
    this.reply({ joinRef: null, ref: request.ref, topic: request.topic }, 'error', {
      reason: 'unmatched topic',
    });
  }

  /** The channel a message is for; a stale (non-null, different) join_ref does not match. */
  private channelFor(topic: string, joinRef: string | null): Channel | undefined {
    const channel = this.channels.get(topic);
    if (!channel || (joinRef !== null && joinRef !== channel.joinRef)) return undefined;
    return channel;
  }

  private handleFrame(frame: Frame): void {
    if (frame.topic === 'phoenix' && frame.event === 'heartbeat') {
      this.reply({ joinRef: null, ref: frame.ref, topic: 'phoenix' }, 'ok', {});
      return;
    }
    if (frame.event === 'phx_join') {
      this.handleJoin(frame);
      return;
    }
    const channel = this.channelFor(frame.topic, frame.joinRef);
    if (frame.event === 'phx_leave') {
      const pending = this.pendingJoins.get(frame.topic);
      if (pending && (frame.joinRef === null || frame.joinRef === pending.joinRef))
        this.pendingJoins.delete(frame.topic);
      this.reply(frame, 'ok', {});
      if (channel) this.closeChannel(channel);
      return;
    }
    if (!channel) {
      this.replyUnmatched(frame);
      return;
    }
    const payload = isRecord(frame.payload) ? frame.payload : {};
    switch (frame.event) {
      case 'broadcast':
        if (typeof payload.event !== 'string') return;
        this.handleBroadcast(
          channel,
          frame,
          payload.event,
          () => Buffer.byteLength(JSON.stringify(payload.payload ?? null)),
          () => OutboundBroadcast.fromMap(channel.topic, payload.event as string, payload),
        );
        return;
      case 'presence':
        this.handlePresence(channel, frame, payload);
        return;
      case 'access_token':
        this.handleAccessToken(channel, payload.access_token);
        return;
      default:
        this.hub.log('debug', 'realtime.unknown_event', { event: frame.event });
    }
  }

  private handleUserBroadcast(push: UserBroadcastPush): void {
    const channel = this.channelFor(push.topic, push.joinRef);
    if (!channel) {
      this.replyUnmatched(push);
      return;
    }
    this.handleBroadcast(
      channel,
      push,
      push.userEvent,
      () => push.body.length,
      () => {
        if (push.encoding === ENCODING.BINARY)
          return OutboundBroadcast.fromBinary(channel.topic, push.userEvent, push.body);
        let json: unknown;
        try {
          json = JSON.parse(push.body.toString('utf8'));
        } catch {
          return null; // a JSON-encoded broadcast that is not JSON is malformed: dropped
        }
        if (!withinDepth(json)) return null;
        return OutboundBroadcast.fromJson(channel.topic, push.userEvent, json, push.body);
      },
    );
  }

  private handleBroadcast(
    channel: Channel,
    request: Pick<Frame, 'joinRef' | 'ref' | 'topic'>,
    userEvent: string,
    measure: () => number,
    build: () => OutboundBroadcast | null,
  ): void {
    // A forbidden send is dropped without a reply, even with ack: the sender times out (§4.1).
    if (!maySend(channel.access, userEvent)) return;
    if (!isServiceRole(channel.claims) && !this.events.hit()) {
      this.closeChannel(channel, SYSTEM_MESSAGE.TOO_MANY_EVENTS);
      return;
    }
    const refuse = (response: unknown) => {
      if (channel.ack) this.reply(request, 'error', response);
    };
    const size = measure();
    if (size > payloadLimitBytes(this.hub.limits)) return refuse('payload_size_exceeded');
    let outbound: OutboundBroadcast | null;
    if (channel.access.sendAny) {
      outbound = build();
      if (!outbound) return;
    } else {
      // A member's send is a `typing` (maySend): checked and rebuilt from what it may say, or sent to nobody.
      if (!this.typing.hit()) return refuse({ reason: MEMBER_REASON.TYPING_RATE });
      if (size > MAX_MEMBER_PAYLOAD_BYTES) return refuse({ reason: MEMBER_REASON.TYPING_TOO_BIG });
      const checked = memberTyping(channel.claims, build()?.json, size);
      if (!checked.ok) return refuse({ reason: checked.reason });
      outbound = OutboundBroadcast.fromJson(channel.topic, userEvent, checked.value);
    }
    this.hub.fanOut(
      channel.subTopic,
      channel.isPrivate,
      outbound,
      channel.self ? undefined : channel,
    );
    if (channel.ack) this.reply(request, 'ok', {});
  }

  private handlePresence(channel: Channel, frame: Frame, payload: Record<string, unknown>): void {
    if (!isServiceRole(channel.claims) && !channel.presenceCalls.hit()) {
      this.closeChannel(channel, SYSTEM_MESSAGE.PRESENCE_RATE);
      return;
    }
    const event = typeof payload.event === 'string' ? payload.event.toLowerCase() : '';
    if (event === 'untrack') {
      this.hub.untrackPresence(channel, channel.subTopic, channel.isPrivate);
      this.reply(frame, 'ok', {});
      return;
    }
    if (event !== 'track') {
      this.reply(frame, 'error', { reason: 'Presence event must be track or untrack' });
      return;
    }
    if (!isRecord(payload.payload)) {
      this.reply(frame, 'error', { reason: 'Presence track payload must be a map' });
      return;
    }
    if (!channel.access.track) {
      this.reply(frame, 'error', {});
      return;
    }
    if (Buffer.byteLength(JSON.stringify(payload.payload)) > payloadLimitBytes(this.hub.limits)) {
      this.closeChannel(channel, SYSTEM_MESSAGE.TRACK_TOO_BIG);
      return;
    }
    let key = channel.presenceKey;
    let state = payload.payload;
    if (!channel.access.sendAny) {
      // A member is tracked under its own participant id, whatever key it joined with, and says only what the room protocol lets it.
      const checked = memberPresence(channel.claims, state);
      if (!checked.ok) {
        this.reply(frame, 'error', { reason: checked.reason });
        return;
      }
      key = memberId(channel.claims)!;
      state = checked.value;
    }
    this.hub.trackPresence(channel, channel.subTopic, channel.isPrivate, key, state);
    this.reply(frame, 'ok', {});
  }

  private handleAccessToken(channel: Channel, token: unknown): void {
    // Never answered (§6): ignored when absent, an `sb_` key, or unchanged.
    if (
      typeof token !== 'string' ||
      token === '' ||
      token.startsWith('sb_') ||
      token === channel.token
    )
      return;
    let claims: VerifiedClaims;
    try {
      claims = this.hub.verify(token);
    } catch (error) {
      if (!(error instanceof JwtError)) throw error;
      this.closeChannel(channel, channelTokenMessage(error));
      return;
    }
    const lookup = this.hub.conversationParent;
    const roomId = parentToLookUp(claims, channel.subTopic, channel.isPrivate);
    if (roomId === null || channel.parent !== undefined || lookup === undefined) {
      this.refreshes.delete(channel); // a slower refresh still looking its room up is superseded
      this.applyToken(channel, token, claims, channel.parent ?? null);
      return;
    }
    // The old token's access holds until the lookup answers; a newer token, a leave or a close wins.
    this.refreshes.set(channel, token);
    void this.lookUpParent(lookup, roomId).then((parent) => {
      if (this.channels.get(channel.topic) !== channel || this.refreshes.get(channel) !== token)
        return;
      this.refreshes.delete(channel);
      channel.parent = parent;
      this.applyToken(channel, token, claims, parent);
    });
  }

  private applyToken(
    channel: Channel,
    token: string,
    claims: VerifiedClaims,
    parent: string | null,
  ): void {
    const access = channelAccess(claims, channel.subTopic, channel.isPrivate, parent);
    if (!access.read) {
      this.closeChannel(channel, SYSTEM_MESSAGE.lostAccess(channel.subTopic));
      return;
    }
    channel.token = token;
    channel.claims = claims;
    channel.access = access;
    this.armExpiry(channel);
  }

  /** The room's parent from the hub's lookup; a failed lookup counts as no parent (refused). */
  private lookUpParent(lookup: ParentLookup, roomId: string): Promise<string | null> {
    return lookup(roomId).then(
      (parent) => (typeof parent === 'string' ? parent : null),
      (error: unknown) => {
        this.hub.log('error', 'realtime.parent_lookup_failed', { roomId, error });
        return null;
      },
    );
  }

  private handleJoin(frame: Frame): void {
    if (!frame.topic.startsWith(TOPIC_PREFIX)) {
      this.replyUnmatched(frame);
      return;
    }
    // Any join of a topic supersedes one still looking its room up, whether or not it succeeds.
    const superseded = this.pendingJoins.delete(frame.topic);
    const fail = (reason: string) =>
      this.hub.afterJoinErrorDelay(() => this.reply(frame, 'error', { reason }));
    const subTopic = frame.topic.slice(TOPIC_PREFIX.length);
    if (subTopic === '') return fail(JOIN_REASON.TOPIC_REQUIRED);
    if (this.hub.closing) return fail(JOIN_REASON.RESTARTING);
    if (!this.joins.hit()) {
      this.reply(frame, 'error', { reason: JOIN_REASON.TOO_MANY_JOINS });
      this.socket.close(CLOSE_CODE.GOING_AWAY);
      return;
    }
    const payload = isRecord(frame.payload) ? frame.payload : {};
    const config = isRecord(payload.config) ? payload.config : {};
    const isPrivate = flexibleBoolean(config.private, false);
    if (!isPrivate && this.hub.privateOnly) return fail(JOIN_REASON.PRIVATE_ONLY);
    const taken = this.channels.has(frame.topic) || superseded;
    if (
      !taken &&
      this.channels.size + this.pendingJoins.size >= this.hub.limits.maxChannelsPerSocket
    )
      return fail(JOIN_REASON.TOO_MANY_CHANNELS);

    const offered = payload.user_token ?? payload.access_token;
    const token =
      typeof offered === 'string' && offered !== '' && !offered.startsWith('sb_')
        ? offered
        : this.apikey;
    let claims: VerifiedClaims;
    try {
      claims = this.hub.verify(token);
    } catch (error) {
      if (!(error instanceof JwtError)) throw error;
      return fail(joinTokenReason(error));
    }
    const request: JoinRequest = { frame, subTopic, isPrivate, config, token, claims, fail };
    const lookup = this.hub.conversationParent;
    const roomId = parentToLookUp(claims, subTopic, isPrivate);
    if (roomId === null || lookup === undefined) {
      this.completeJoin(request, null, roomId === null ? undefined : null);
      return;
    }
    // An operator opening a conversation: the join is answered once its parent is known. Until
    // then the topic is not joined (its frames are answered as for any unjoined topic), and a
    // leave, another join of the topic or the socket closing drops this one unanswered.
    const pending = { joinRef: frame.joinRef };
    this.pendingJoins.set(frame.topic, pending);
    void this.lookUpParent(lookup, roomId).then((parent) => {
      if (this.pendingJoins.get(frame.topic) !== pending) return;
      this.pendingJoins.delete(frame.topic);
      if (this.hub.closing) return fail(JOIN_REASON.RESTARTING);
      this.completeJoin(request, parent, parent);
    });
  }

  /** Joins once the access is known: `parent` is the lookup's answer (null: none, or not asked). */
  private completeJoin(
    request: JoinRequest,
    parent: string | null,
    lookedUp: string | null | undefined,
  ): void {
    const { frame, subTopic, isPrivate, config, token, claims, fail } = request;
    const broadcast = isRecord(config.broadcast) ? config.broadcast : {};
    const presence = isRecord(config.presence) ? config.presence : {};
    const access = channelAccess(claims, subTopic, isPrivate, parent);
    if (isPrivate && !access.read) return fail(JOIN_REASON.unauthorized(subTopic));
    if (broadcast.replay !== undefined && !isPrivate) return fail(JOIN_REASON.REPLAY_PUBLIC);

    const previous = this.channels.get(frame.topic);
    if (previous) this.closeChannel(previous); // a rejoin replaces the old subscription (§11.14)
    const presenceKey =
      typeof presence.key === 'string' && presence.key !== '' ? presence.key : randomUUID();
    const bindings = Array.isArray(config.postgres_changes) ? config.postgres_changes : [];
    const ids = bindings.map((binding) => bindingId(binding));
    const postgresBindings = bindings.flatMap((binding, index) => {
      const parsed = toBinding(binding, ids[index]!);
      return parsed ? [parsed] : [];
    });
    const channel: Channel = {
      connection: this,
      topic: frame.topic,
      subTopic,
      isPrivate,
      joinRef: frame.joinRef,
      self: flexibleBoolean(broadcast.self, false),
      ack: flexibleBoolean(broadcast.ack, false),
      presenceEnabled: flexibleBoolean(presence.enabled, false),
      presenceKey,
      presenceCalls: new WindowCounter(
        this.hub.limits.maxPresenceCalls,
        this.hub.limits.presenceWindowMs,
      ),
      postgresBindings,
      token,
      claims,
      access,
      parent: lookedUp,
      expiryTimer: undefined,
    };
    this.channels.set(frame.topic, channel);
    this.hub.subscribe(channel);
    this.armExpiry(channel);

    const postgresChanges = bindings.map((binding, index) =>
      isRecord(binding) ? { ...binding, id: ids[index] } : binding,
    );
    this.reply(frame, 'ok', { postgres_changes: postgresChanges });

    const push = (event: string, body: unknown) =>
      this.sendFrame({
        joinRef: channel.joinRef,
        ref: null,
        topic: channel.topic,
        event,
        payload: body,
      });
    if (channel.presenceEnabled)
      push('presence_state', this.hub.presenceState(subTopic, isPrivate));
    if (flexibleBoolean(broadcast.replication_ready, false)) {
      push('system', {
        extension: 'system',
        status: 'ok',
        message: 'Replication connection established',
        channel: subTopic,
      });
    }
  }

  /** Closes the channel when its token expires, as Supabase's periodic token check does. */
  private armExpiry(channel: Channel): void {
    clearTimeout(channel.expiryTimer);
    const delay = Math.min(MAX_TIMER_MS, channel.claims.exp * 1000 - Date.now() + 1);
    channel.expiryTimer = setTimeout(
      () => {
        try {
          this.hub.verify(channel.token);
          this.armExpiry(channel);
        } catch (error) {
          if (error instanceof JwtError) this.closeChannel(channel, channelTokenMessage(error));
        }
      },
      Math.max(0, delay),
    );
    channel.expiryTimer.unref();
  }

  private removeChannel(channel: Channel): void {
    clearTimeout(channel.expiryTimer);
    this.refreshes.delete(channel);
    this.channels.delete(channel.topic);
    this.hub.unsubscribe(channel);
  }
}
