/**
 * Presence and typing forgery against a running Chorus server on its embedded hub, as issue 10
 * reproduced it: one member tries to pass as an agent, to take another participant's presence
 * key and to swell everyone's `presence_state`, and sends oversized and forged `typing`s while
 * `listeners` other members listen. Loopback only, bounded to a few seconds.
 *
 * @example
 * const server = await startChorusServer();
 * const figures = await measureForgery(server.url, { listeners: 20 });
 * // { forgedPresenceAccepted: 0, typingBytesFannedOut: 0, validTypingDelivered: 20, … }
 */
import http from 'node:http';
import { TestSocket, type TestFrame } from '../helpers/sockets.ts';

export interface ForgeryOptions {
  /** Members listening on the room's channel (default 10). */
  listeners?: number;
  /** The room to use (default a fresh one). */
  room?: string;
  /** Bytes of the oversized typing (default 2.9 MB: the most the hub's 3 MB tenant limit let through). */
  bigTypingBytes?: number;
  /** An origin the server does not allow, to try a WebSocket upgrade from (default `https://forger.example`). */
  foreignOrigin?: string;
}

export interface ForgeryFigures {
  /** Forged presences the listeners saw: an agent, another participant's key, a meta over 1 KB. 0 when the hub holds. */
  forgedPresenceAccepted: number;
  /** Bytes the listeners received, all together, while the forger sent oversized and forged typings. 0 when the hub holds. */
  typingBytesFannedOut: number;
  /** How many listeners received the forger's one valid typing afterwards (all of them: the channel still works). */
  validTypingDelivered: number;
  /** Size of the `presence_state` a newcomer receives after the forgeries, in bytes. */
  newcomerPresenceStateBytes: number;
  /** HTTP status of a WebSocket upgrade sent with `Origin: foreignOrigin` (403 when CHORUS_ALLOWED_ORIGINS excludes it; 101 when it allows every origin). */
  foreignOriginUpgradeStatus: number;
  listeners: number;
  durationMs: number;
}

interface Session {
  token: string;
  participant: { id: string; name: string };
  realtime: { url: string; apikey: string };
}

const QUIET_MS = 300;
const MAX_META_BYTES = 1024;

/** Runs the forgeries against `baseUrl` (a Chorus server on loopback) and measures what got through. */
export async function measureForgery(
  baseUrl: string,
  options: ForgeryOptions = {},
): Promise<ForgeryFigures> {
  const started = Date.now();
  const base = new URL(baseUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname))
    throw new Error(`measureForgery runs against loopback only, not ${base.hostname}`);
  const room = options.room ?? `forgery-${Date.now().toString(36)}`;
  const topic = `realtime:room:${room}`;
  const sockets: TestSocket[] = [];
  const open = async (session: Session) => {
    const socket = await TestSocket.open(
      `${session.realtime.url}/websocket?apikey=${encodeURIComponent(session.realtime.apikey)}&vsn=1.0.0`,
    );
    sockets.push(socket);
    return socket;
  };
  try {
    const listenerSessions = await Promise.all(
      Array.from({ length: options.listeners ?? 10 }, (_, index) =>
        createSession(baseUrl, room, `Listener ${index}`),
      ),
    );
    const victim = listenerSessions[0]!;
    const forger = await createSession(baseUrl, room, 'Mallory');

    let receivedBytes = 0;
    const forged = { agent: false, foreignKey: false, bigMeta: false };
    const listeners = await Promise.all(
      listenerSessions.map(async (session) => {
        const socket = await open(session);
        const reply = await socket.join(topic, {
          access_token: session.token,
          config: { private: true, presence: { key: session.participant.id, enabled: true } },
        });
        if (reply.payload.status !== 'ok')
          throw new Error(`a listener could not join: ${JSON.stringify(reply.payload)}`);
        await socket.next((frame) => frame.event === 'presence_state');
        socket.ws.on('message', (data: Buffer) => (receivedBytes += data.length));
        return socket;
      }),
    );
    const watcher = listeners[0]!;

    // Presence: joined under the victim's key, the forger tracks an agent, then itself as a human with 50 KB of meta.
    const forgerSocket = await open(forger);
    const joined = await forgerSocket.join(topic, {
      access_token: forger.token,
      config: {
        private: true,
        broadcast: { ack: true },
        presence: { key: victim.participant.id, enabled: true },
      },
    });
    if (joined.payload.status !== 'ok')
      throw new Error(`the forger could not join: ${JSON.stringify(joined.payload)}`);
    let ref = 1000;
    const push = (event: 'presence' | 'broadcast', payload: unknown) => {
      const sent = String((ref += 1));
      forgerSocket.send({ joinRef: joined.joinRef, ref: sent, topic, event, payload });
      return forgerSocket
        .next((frame) => frame.event === 'phx_reply' && frame.ref === sent, 5_000)
        .catch(() => null);
    };
    await push('presence', {
      type: 'presence',
      event: 'track',
      payload: { kind: 'agent', id: 'sage', name: 'Sage', status: 'streaming' },
    });
    await push('presence', {
      type: 'presence',
      event: 'track',
      payload: {
        kind: 'human',
        id: victim.participant.id,
        name: 'Mallory',
        padding: 'p'.repeat(50_000),
      },
    });
    await drain(watcher, QUIET_MS, (frame) => {
      if (frame.event !== 'presence_diff') return;
      for (const [key, entry] of Object.entries(
        frame.payload.joins as Record<string, { metas: Array<Record<string, unknown>> }>,
      )) {
        for (const meta of entry.metas) {
          if (meta.kind === 'agent') forged.agent = true;
          if (key !== forger.participant.id || meta.id !== forger.participant.id)
            forged.foreignKey = true;
          if (Buffer.byteLength(JSON.stringify(meta)) > MAX_META_BYTES) forged.bigMeta = true;
        }
      }
    });

    // Typing: oversized, as an agent, as the victim, with a 20,000-character name (cut, so it may pass: only its bytes count).
    const before = receivedBytes;
    await push('broadcast', {
      type: 'broadcast',
      event: 'typing',
      payload: {
        participantId: forger.participant.id,
        name: 'Mallory',
        typing: true,
        padding: 'x'.repeat(options.bigTypingBytes ?? 2_900_000),
      },
    });
    await push('broadcast', {
      type: 'broadcast',
      event: 'typing',
      payload: { participantId: 'sage', name: 'Sage', typing: true },
    });
    await push('broadcast', {
      type: 'broadcast',
      event: 'typing',
      payload: {
        participantId: victim.participant.id,
        name: victim.participant.name,
        typing: true,
      },
    });
    await drain(watcher, QUIET_MS);
    const typingBytesFannedOut = receivedBytes - before;

    // The channel still carries a valid typing to everyone.
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a fresh per-second typing budget
    await push('broadcast', {
      type: 'broadcast',
      event: 'typing',
      payload: { participantId: forger.participant.id, name: 'Mallory', typing: false },
    });
    const delivered = await Promise.all(
      listeners.map((socket) =>
        socket
          .next(
            (frame) =>
              frame.event === 'broadcast' &&
              frame.payload.event === 'typing' &&
              frame.payload.payload?.typing === false,
            2_000,
          )
          .then(() => 1)
          .catch(() => 0),
      ),
    );

    const newcomer = await open(victim);
    await newcomer.join(topic, {
      access_token: victim.token,
      config: { private: true, presence: { key: victim.participant.id, enabled: true } },
    });
    const state = await newcomer.next((frame) => frame.event === 'presence_state');

    return {
      forgedPresenceAccepted:
        Number(forged.agent) + Number(forged.foreignKey) + Number(forged.bigMeta),
      typingBytesFannedOut,
      validTypingDelivered: delivered.reduce((sum, one) => sum + one, 0),
      newcomerPresenceStateBytes: Buffer.byteLength(state.raw),
      foreignOriginUpgradeStatus: await upgradeStatus(
        forger,
        options.foreignOrigin ?? 'https://forger.example',
      ),
      listeners: listeners.length,
      durationMs: Date.now() - started,
    };
  } finally {
    await Promise.all(sockets.map((socket) => socket.close()));
  }
}

async function createSession(baseUrl: string, room: string, name: string): Promise<Session> {
  const response = await fetch(`${baseUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, name }),
  });
  if (response.status !== 200)
    throw new Error(`POST /api/session answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Session;
}

/** Waits until `socket` has been quiet for `quietMs`, passing each frame it receives to `inspect`. */
async function drain(
  socket: TestSocket,
  quietMs: number,
  inspect: (frame: TestFrame) => void = () => {},
): Promise<void> {
  for (let frames = 0; frames < 1_000; frames += 1) {
    const frame = await socket.next(() => true, quietMs).catch(() => null);
    if (!frame) return;
    inspect(frame);
  }
}

/** The status of a WebSocket upgrade from a page on `origin` (101 when the server upgrades). */
async function upgradeStatus(session: Session, origin: string): Promise<number> {
  const url = new URL(`${session.realtime.url.replace(/^ws/, 'http')}/websocket`);
  url.searchParams.set('apikey', session.realtime.apikey);
  url.searchParams.set('vsn', '1.0.0');
  return new Promise((resolve, reject) => {
    const request = http.get(url, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        Origin: origin,
      },
      timeout: 2_000,
    });
    request.on('upgrade', (_response, socket) => {
      socket.destroy();
      resolve(101);
    });
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error('upgrade timed out')));
    request.on('error', reject);
  });
}
