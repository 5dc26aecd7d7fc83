import type { IncomingMessage, ServerResponse } from 'node:http';
import { isOriginAllowed } from '../../auth/allowed-origins.ts';
import { JwtError, type VerifiedClaims } from '../../auth/jwt.ts';
import { isRecord } from '../../lib/is-record.ts';
import { OutboundBroadcast } from './broadcast.ts';
import { TOPIC_PREFIX } from './channel.ts';
import type { HubCore } from './hub-core.ts';
import { payloadLimitBytes } from './limits.ts';
import { isServiceRole, mayPublish } from './policy.ts';
import { MAX_MEMBER_PAYLOAD_BYTES, memberId, memberTyping } from './room-protocol.ts';
import { withinDepth } from './serializer.ts';
import { parseRequestUrl } from './request-url.ts';

const CORS_HEADERS = {
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-max-age': '86400',
};
const DEFAULT_ALLOWED_HEADERS = 'apikey, authorization, content-type, x-client-info';
const TOO_BIG = 'Payload size exceeds tenant limit';

class RestError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`REST broadcast refused with ${status}`);
  }
}

/**
 * Supabase Realtime's REST broadcast endpoints (docs/realtime-protocol.md §4.5):
 * `POST <prefix>` (batch of JSON messages) and `POST <prefix>/<topic>/events/<event>` (one
 * message, JSON or bytes), both answering 202, plus the CORS preflight.
 */
export function handleRestRequest(
  hub: HubCore,
  prefix: string,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  const url = parseRequestUrl(request.url);
  if (!url) return false;
  const single = url.pathname.startsWith(`${prefix}/`)
    ? parseSinglePath(url.pathname.slice(prefix.length + 1))
    : null;
  if (url.pathname !== prefix && !single) return false;
  const cors = corsHeaders(hub, request);
  const send = (status: number, body?: unknown) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    response.writeHead(status, {
      ...cors,
      ...(text ? { 'content-type': 'application/json' } : {}),
    });
    response.end(text);
  };
  if (cors === null) {
    // The API's origin policy: a page that is not allowed cannot even start a call (preflight included).
    response.writeHead(403, { 'content-type': 'application/json', vary: 'Origin' });
    response.end(JSON.stringify({ message: 'Origin not allowed' }));
    return true;
  }
  if (request.method === 'OPTIONS') {
    const requested = request.headers['access-control-request-headers'];
    response.writeHead(204, {
      ...cors,
      'access-control-allow-headers': requested ?? DEFAULT_ALLOWED_HEADERS,
    });
    response.end();
    return true;
  }
  if (request.method !== 'POST') {
    send(404, { error: 'Not Found' });
    return true;
  }
  handlePost(hub, url, single, request)
    .then(() => send(202))
    .catch((error: unknown) => {
      if (error instanceof RestError) return send(error.status, error.body);
      hub.log('error', 'realtime.rest_failed', { error });
      send(500, { message: 'Internal Server Error' });
    });
  return true;
}

/**
 * The CORS headers for this request, or null when its `Origin` is not allowed. With the default
 * `*` policy the answer is `*`, as on Supabase; with an allowlist, the allowed origin itself.
 */
function corsHeaders(hub: HubCore, request: IncomingMessage): Record<string, string> | null {
  const origin = request.headers.origin;
  if (hub.allowedOrigins === '*') return { ...CORS_HEADERS, 'access-control-allow-origin': '*' };
  if (origin === undefined) return { ...CORS_HEADERS, vary: 'Origin' };
  if (!isOriginAllowed(origin, hub.allowedOrigins, request.headers.host)) return null;
  return { ...CORS_HEADERS, 'access-control-allow-origin': origin, vary: 'Origin' };
}

function parseSinglePath(rest: string): { topic: string; event: string } | null {
  const match = /^([^/]+)\/events\/([^/]+)$/.exec(rest);
  if (!match) return null;
  try {
    return { topic: decodeURIComponent(match[1]!), event: decodeURIComponent(match[2]!) };
  } catch {
    return null;
  }
}

async function handlePost(
  hub: HubCore,
  url: URL,
  single: { topic: string; event: string } | null,
  request: IncomingMessage,
) {
  const claims = authenticate(hub, request, url);
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (
    single &&
    contentType !== '' &&
    contentType !== 'application/json' &&
    contentType !== 'application/octet-stream'
  ) {
    throw new RestError(415, {
      error: 'Unsupported Media Type. Use application/json or application/octet-stream',
    });
  }
  const body = await readBody(request, hub.limits.maxFrameBytes);
  if (single)
    await publishSingle(
      hub,
      claims,
      single,
      url.searchParams.get('private') === 'true',
      contentType,
      body,
    );
  else await publishBatch(hub, claims, body);
}

/** The bearer token, else the `apikey` header (or query, which realtime-js always adds). */
function authenticate(hub: HubCore, request: IncomingMessage, url: URL): VerifiedClaims {
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const header = request.headers.apikey;
  const apikey =
    (typeof header === 'string' ? header : undefined) ??
    url.searchParams.get('apikey') ??
    undefined;
  const token = bearer && !bearer.startsWith('sb_') ? bearer : apikey;
  try {
    if (!token) throw new RestError(401, { message: 'Unauthorized' });
    return hub.verify(token);
  } catch (error) {
    if (error instanceof JwtError) throw new RestError(401, { message: 'Unauthorized' });
    throw error;
  }
}

async function publishSingle(
  hub: HubCore,
  claims: VerifiedClaims,
  target: { topic: string; event: string },
  isPrivate: boolean,
  contentType: string,
  body: Buffer,
): Promise<void> {
  if (!(await mayPublish(claims, target.topic, isPrivate, target.event, hub.conversationParent))) {
    throw new RestError(403, { message: 'Unauthorized' });
  }
  const limit = isMember(claims, isPrivate)
    ? MAX_MEMBER_PAYLOAD_BYTES
    : payloadLimitBytes(hub.limits);
  if (body.length > limit) throw new RestError(422, { errors: { payload: [TOO_BIG] } });
  const fullTopic = `${TOPIC_PREFIX}${target.topic}`;
  let outbound: OutboundBroadcast;
  if (contentType === 'application/octet-stream') {
    outbound = OutboundBroadcast.fromBinary(fullTopic, target.event, body);
  } else {
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RestError(422, { errors: { payload: ['is invalid'] } });
    }
    if (!withinDepth(json))
      throw new RestError(422, { errors: { payload: ['is nested too deeply'] } });
    outbound = OutboundBroadcast.fromJson(fullTopic, target.event, json, body);
  }
  if (isMember(claims, isPrivate)) {
    const typing = memberTypingOrNull(hub, claims, outbound.json, body.length);
    if (typing === null)
      throw new RestError(422, { errors: { payload: ['is not a typing event you may send'] } });
    outbound = OutboundBroadcast.fromJson(fullTopic, target.event, typing);
  }
  hub.fanOut(target.topic, isPrivate, outbound);
}

/** A room member's send on a private channel: only a `typing` it may say (room-protocol.ts). */
function isMember(claims: VerifiedClaims, isPrivate: boolean): boolean {
  return isPrivate && !isServiceRole(claims);
}

/** The normalised typing payload, or null when it is refused (shape, impersonation, size, rate). */
function memberTypingOrNull(
  hub: HubCore,
  claims: VerifiedClaims,
  payload: unknown,
  size: number,
): Record<string, unknown> | null {
  const checked = memberTyping(claims, payload, size);
  if (!checked.ok || !hub.takeRestTyping(memberId(claims)!)) return null;
  return checked.value;
}

interface BatchMessage {
  topic: string;
  event: string;
  payload: Record<string, unknown>;
  private: boolean;
  id?: unknown;
}

async function publishBatch(hub: HubCore, claims: VerifiedClaims, body: Buffer): Promise<void> {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RestError(422, { errors: { messages: ["can't be blank"] } });
  }
  if (!withinDepth(data))
    throw new RestError(422, { errors: { messages: ['are nested too deeply'] } });
  if (!isRecord(data) || !Array.isArray(data.messages) || data.messages.length === 0) {
    throw new RestError(422, { errors: { messages: ["can't be blank"] } });
  }
  const limit = payloadLimitBytes(hub.limits);
  const errors: Record<string, string[]>[] = [];
  const messages: BatchMessage[] = [];
  for (const raw of data.messages as unknown[]) {
    const message = isRecord(raw) ? raw : {};
    const fieldErrors: Record<string, string[]> = {};
    for (const field of ['topic', 'event'] as const) {
      if (typeof message[field] !== 'string' || message[field] === '')
        fieldErrors[field] = ["can't be blank"];
    }
    if (!isRecord(message.payload)) fieldErrors.payload = ["can't be blank"];
    else if (Buffer.byteLength(JSON.stringify(message.payload)) > limit)
      fieldErrors.payload = [TOO_BIG];
    errors.push(fieldErrors);
    if (Object.keys(fieldErrors).length === 0) {
      messages.push({
        ...(message as unknown as BatchMessage),
        private: message.private === true || message.private === 'true',
      });
    }
  }
  if (messages.length !== errors.length) throw new RestError(422, { errors: { messages: errors } });
  for (const message of messages) {
    // Private messages the token may not send are skipped silently, and the answer is still 202.
    const { topic, event } = message;
    if (!(await mayPublish(claims, topic, message.private, event, hub.conversationParent)))
      continue;
    let userPayload: Record<string, unknown> | null = message.payload;
    if (isMember(claims, message.private)) {
      userPayload = memberTypingOrNull(
        hub,
        claims,
        message.payload,
        Buffer.byteLength(JSON.stringify(message.payload)),
      );
      if (userPayload === null) continue; // skipped like any other refused private message
    }
    const payload: Record<string, unknown> = {
      payload: userPayload,
      event: message.event,
      type: 'broadcast',
    };
    if (message.id !== undefined) payload.meta = { id: message.id };
    hub.fanOut(
      message.topic,
      message.private,
      OutboundBroadcast.fromMap(`${TOPIC_PREFIX}${message.topic}`, message.event, payload),
    );
  }
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk); // past the limit the rest is drained, not kept
    });
    request.on('end', () => {
      if (size > maxBytes) reject(new RestError(413, { message: 'Request Entity Too Large' }));
      else resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}
