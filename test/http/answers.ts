/**
 * Every answer the API tests receive, parsed with the contract's schema for its route and status
 * (server/http/api-operations.ts over protocol/schemas/): an answer with a field the contract does
 * not name, or without one it requires, fails the test that received it.
 */
import { z } from 'zod';
import {
  answerSchemaOf,
  apiOperations,
  EVENT_STREAM,
  NO_BODY,
} from '../../server/http/api-operations.ts';
import { errorResponseSchema } from '../../protocol/schemas/rest.ts';
import { roomEventSchema } from '../../protocol/schemas/room-events.ts';

const operations = apiOperations(8000);

/** What a test client received. */
export interface ReceivedAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: unknown;
}

function isJson(answer: ReceivedAnswer): boolean {
  return String(answer.headers['content-type'] ?? '').startsWith('application/json');
}

/**
 * Throws unless `answer` to `method path` is what the contract says: its route's schema for a
 * documented status, `Error` for any other, no body for a 204. Paths outside the API (static
 * files) are not checked unless they answer JSON, which must then be an `Error`.
 * @example checkAnswer('GET', '/api/rooms/lobby', answer);
 */
export function checkAnswer(method: string, path: string, answer: ReceivedAnswer): void {
  if (method === 'HEAD' || method === 'OPTIONS') return;
  const schema =
    answerSchemaOf(operations, method, path, answer.status) ??
    (isJson(answer) || answer.status >= 400 ? errorResponseSchema : undefined);
  if (schema === undefined || schema === EVENT_STREAM) return;
  if (schema === NO_BODY) {
    if (answer.text !== '')
      throw new Error(
        `${method} ${path} answered ${answer.status} with a body; the contract says none: ${answer.text.slice(0, 200)}`,
      );
    return;
  }
  if (
    schema === errorResponseSchema &&
    !isJson(answer) &&
    answer.status >= 400 &&
    !path.startsWith('/api/')
  )
    return;
  const result = schema.safeParse(answer.body);
  if (!result.success) {
    throw new Error(
      `${method} ${path} answered ${answer.status} with what its schema does not describe:\n${z.prettifyError(result.error)}\n${answer.text.slice(0, 500)}`,
    );
  }
}

/**
 * Throws unless an SSE event is a room event of the contract (`{ event, data }`).
 * @example checkRoomEvent({ event: 'typing', data: { participantId, name, typing: true } });
 */
export function checkRoomEvent(event: { event: string; data: unknown }): void {
  const result = roomEventSchema.safeParse(event);
  if (!result.success)
    throw new Error(
      `SSE event "${event.event}" is not the contract's:\n${z.prettifyError(result.error)}\n${JSON.stringify(event.data).slice(0, 500)}`,
    );
}
