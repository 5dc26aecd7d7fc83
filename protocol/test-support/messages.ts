import type { Author, Message, RoomEvents } from '../room.ts';

/** Builders of protocol values for tests of the widget and the server. */

export const ADA: Author = { kind: 'human', id: 'guest:ada', name: 'Ada' };
export const GRACE: Author = { kind: 'human', id: 'guest:grace', name: 'Grace' };
export const SAGE: Author = { kind: 'agent', id: 'sage', name: 'Sage' };
export const SCOUT: Author = { kind: 'agent', id: 'scout', name: 'Scout' };

let clock = Date.UTC(2026, 0, 1, 12, 0, 0);

/** An ISO time a second after the previous one handed out. */
export function nextTime(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}

export function humanMessage(overrides: Partial<Message> & { id: string }): Message {
  const createdAt = overrides.createdAt ?? nextTime();
  return {
    roomId: 'lobby',
    author: ADA,
    content: 'Hello',
    parts: [],
    status: 'complete',
    seq: 0,
    replyTo: null,
    reason: null,
    model: null,
    usage: null,
    error: null,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

export function agentMessage(overrides: Partial<Message> & { id: string }): Message {
  return humanMessage({
    author: SAGE,
    status: 'streaming',
    reason: 'mention',
    model: 'offline-1',
    replyTo: null,
    content: '',
    ...overrides,
  });
}

export function messageStart(message: Message): RoomEvents['message-start'] {
  return {
    id: message.id,
    roomId: message.roomId,
    author: message.author,
    replyTo: message.replyTo,
    reason: message.reason ?? 'default',
    model: message.model,
    ...(message.versionOf ? { versionOf: message.versionOf } : {}),
    createdAt: message.createdAt,
  };
}
