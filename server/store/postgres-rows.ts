/** Rows of the messages and agent_runs tables and the conversions every Postgres part shares. */
import type {
  Author,
  Message,
  MessagePart,
  MessageStatus,
  ReplyReason,
  TokenUsage,
} from '../../protocol/room.ts';
import { wellFormed } from '../../protocol/text.ts';
import type { AgentRun, RunStatus } from './run-queue.ts';

export interface MessageRow {
  id: string;
  room_id: string;
  position: number | string;
  author_kind: Author['kind'];
  author_id: string;
  author_name: string;
  author_role: 'operator' | 'admin' | null;
  content: string;
  parts: MessagePart[];
  status: MessageStatus;
  reply_to: string | null;
  reason: ReplyReason | null;
  seq: number;
  model: string | null;
  usage: TokenUsage | null;
  error: string | null;
  stopped_by: { id: string; name: string } | null;
  version_of: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface RunRow {
  id: string;
  room_id: string;
  message_id: string;
  trigger_message_id: string;
  agent_id: string;
  reason: ReplyReason;
  depth: number;
  status: RunStatus;
  attempt: number;
  lease_owner: string | null;
  lease_expires_at: Date | string | null;
  last_error: string | null;
  created_at: Date | string;
  trigger_author_id?: string | null;
  reserved_tokens?: number | string;
  reserved_day?: Date | string | null;
}

export const MESSAGE_COLUMNS = `id, room_id, position, author_kind, author_id, author_name, author_role, content, parts, status,
  reply_to, reason, seq, model, usage, error, stopped_by, version_of, created_at, updated_at`;

/** {@link MESSAGE_COLUMNS} of the table named `alias` (a statement that joins another with the same names). */
export const messageColumnsOf = (alias: string) =>
  MESSAGE_COLUMNS.split(',')
    .map((column) => `${alias}.${column.trim()}`)
    .join(', ');

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const iso = (value: Date | string) =>
  value instanceof Date ? value.toISOString() : new Date(value).toISOString();
/** JSON for a `jsonb` parameter; strings made well-formed, since Postgres refuses half an emoji in JSON. */
export const json = (value: unknown) =>
  JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'string' ? wellFormed(item) : item,
  );
export const today = () => new Date().toISOString().slice(0, 10);

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    roomId: row.room_id,
    position: Number(row.position),
    author: {
      kind: row.author_kind,
      id: row.author_id,
      name: row.author_name,
      ...(row.author_role ? { role: row.author_role } : {}),
    },
    content: row.content,
    parts: row.parts ?? [],
    status: row.status,
    seq: row.seq,
    replyTo: row.reply_to,
    reason: row.reason,
    model: row.model,
    usage: row.usage,
    error: row.error,
    ...(row.stopped_by ? { stoppedBy: row.stopped_by } : {}),
    ...(row.version_of ? { versionOf: row.version_of } : {}),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toRun(row: RunRow): AgentRun {
  return {
    id: row.id,
    roomId: row.room_id,
    messageId: row.message_id,
    triggerMessageId: row.trigger_message_id,
    agentId: row.agent_id,
    reason: row.reason,
    depth: row.depth,
    ...(row.trigger_author_id ? { triggerAuthorId: row.trigger_author_id } : {}),
    status: row.status,
    attempt: row.attempt,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at === null ? null : iso(row.lease_expires_at),
    lastError: row.last_error,
    createdAt: iso(row.created_at),
  };
}
