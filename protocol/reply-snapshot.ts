import type { MessagePart, RoomEvents, SequencedEventName } from './room.ts';

/** An agent reply as far as its sequenced events go: what the server persists and clients rebuild. */
export interface ReplyState {
  content: string;
  parts: MessagePart[];
  seq: number;
}

/**
 * Applies one sequenced event to a reply: text deltas extend `content`, reasoning deltas extend
 * the last reasoning part (or start one), tool calls, results and sources append parts. The server and the
 * widget both use this, so a client that saw every event holds exactly what is persisted.
 * Returns a new state; events at or below `state.seq` are ignored (duplicates).
 * @example state = applyReplyEvent(state, 'text-delta', { id, seq: 1, delta: 'Hi' });
 */
export function applyReplyEvent<Name extends SequencedEventName>(
  state: ReplyState,
  event: Name,
  payload: RoomEvents[Name],
): ReplyState {
  if (payload.seq <= state.seq) return state;
  const next: ReplyState = { content: state.content, parts: state.parts, seq: payload.seq };
  switch (event) {
    case 'text-delta':
      next.content += (payload as RoomEvents['text-delta']).delta;
      break;
    case 'reasoning-delta': {
      const { delta } = payload as RoomEvents['reasoning-delta'];
      const last = state.parts.at(-1);
      next.parts =
        last?.type === 'reasoning'
          ? [...state.parts.slice(0, -1), { type: 'reasoning', text: last.text + delta }]
          : [...state.parts, { type: 'reasoning', text: delta }];
      break;
    }
    case 'tool-call': {
      const { callId, name, args } = payload as RoomEvents['tool-call'];
      next.parts = [...state.parts, { type: 'tool-call', callId, name, args }];
      break;
    }
    case 'tool-result': {
      const { callId, result, error } = payload as RoomEvents['tool-result'];
      const call = state.parts.find((part) => part.type === 'tool-call' && part.callId === callId);
      const part: MessagePart = {
        type: 'tool-result',
        callId,
        name: call?.type === 'tool-call' ? call.name : '',
      };
      if (result !== undefined) part.result = result;
      if (error !== undefined) part.error = error;
      next.parts = [...state.parts, part];
      break;
    }
    case 'source': {
      const { title, url, path, quote } = payload as RoomEvents['source'];
      next.parts = [...state.parts, { type: 'source', title, url, path, quote }];
      break;
    }
  }
  return next;
}
