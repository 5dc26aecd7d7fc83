/**
 * The inbox's view of a support room's conversations (docs/architecture.md §8): each with its
 * visitor, unread count and newest message, in one query; the order and cursor of its pages.
 */
import type { Conversation, ConversationStatus, Role } from '../../protocol/room.ts';
import { iso, MESSAGE_COLUMNS, toMessage, type MessageRow } from './postgres-rows.ts';

/** A conversation row with its visitor, unread count and newest message (all `m_`-prefixed). */
export type ConversationRow = {
  id: string;
  title: string;
  parent_id: string | null;
  visitor_id: string | null;
  status: ConversationStatus | null;
  created_at: Date | string;
  last_activity_at: Date | string;
  visitor_name: string | null;
  visitor_role: Role | null;
  unread: number | string;
} & { [Column in keyof MessageRow as `m_${Column}`]: MessageRow[Column] | null };

const PREFIXED_MESSAGE_COLUMNS = MESSAGE_COLUMNS.split(',')
  .map((column) => `m.${column.trim()} as m_${column.trim()}`)
  .join(', ');

export function toConversation(row: ConversationRow): Conversation {
  const message = row.m_id === null ? null : toMessage(unprefixed(row));
  return {
    id: row.id,
    parent: row.parent_id!,
    title: row.title,
    visitor: {
      id: row.visitor_id!,
      name: row.visitor_name ?? 'Visitor',
      ...(row.visitor_role ? { role: row.visitor_role } : {}),
    },
    status: row.status!,
    waiting: row.status === 'waiting',
    lastMessage: message,
    unread: Number(row.unread),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.last_activity_at),
  };
}

function unprefixed(row: ConversationRow): MessageRow {
  const message: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key.startsWith('m_')) message[key.slice(2)] = value;
  }
  return message as unknown as MessageRow;
}

/** The inbox's order and its cursor: `<1 if waiting>:<activity ms>:<id>`. */
export function conversationCursor(row: ConversationRow): string {
  return `${row.status === 'waiting' ? 1 : 0}:${new Date(row.last_activity_at).getTime()}:${row.id}`;
}

/** Conversations with their visitor, unread count and newest message (prefixed `m_`). */
export function conversationSelect(): string {
  return `select c.id, c.title, c.settings, c.parent_id, c.visitor_id, c.status, c.created_at,
      c.updated_at, c.last_activity_at, p.name as visitor_name, p.role as visitor_role,
      (select count(*) from messages u where u.room_id = c.id
         and u.position > c.staff_read_position and u.author_role is null
         and u.author_kind <> 'system' and u.status <> 'deleted') as unread,
      ${PREFIXED_MESSAGE_COLUMNS}
    from rooms c
    left join participants p on p.room_id = c.id and p.id = c.visitor_id
    left join lateral (
      select ${MESSAGE_COLUMNS} from messages where room_id = c.id
      order by position desc limit 1
    ) m on true`;
}
