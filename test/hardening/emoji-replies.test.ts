/**
 * Text that is not ASCII, end to end: a post of emoji is answered, persisted and ended like any
 * other (a cut by UTF-16 unit once left half an emoji that Postgres refused, wedging the reply).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { wellFormed } from '../../protocol/text.ts';
import { OfflineChatModel } from '../../server/providers/index.ts';
import { startChorusServer, type TestChorusServer } from '../helpers/chorus-server.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { waitFor } from '../helpers/wait-for.ts';

let server: TestChorusServer;
let visitor: RoomVisitor | undefined;

afterEach(async () => {
  await visitor?.disconnect();
  await server?.close();
});

const fastOffline = new OfflineChatModel({ tokensPerSecond: 2_000, firstTokenDelayMs: 0 });

describe('a post of emoji', () => {
  it.each([50, 4_000])(
    'with %i emoji is answered by every agent, persisted whole and ended',
    async (count) => {
      server = await startChorusServer({
        modelFor: () => fastOffline,
        env: { CHORUS_LIMIT_MESSAGE_CHARS: '10000' },
      });
      await server.store.rooms.ensureRoom({
        id: 'emoji',
        title: 'Emoji',
        settings: { policy: 'all' },
      });
      visitor = await RoomVisitor.join(server.url, 'emoji', 'Ada');
      const question = await visitor.post(`${'\u{1F600}'.repeat(count)} what do you think?`);

      await waitFor(() => visitor!.ended().length === 3, {
        timeoutMs: 15_000,
        what: 'three message-end events',
      });
      const replies = (await visitor.fetchMessages()).filter(
        (message) => message.replyTo === question.id,
      );
      expect(replies).toHaveLength(3);
      for (const reply of replies) {
        expect(reply.status).toBe('complete');
        expect(reply.content.length).toBeGreaterThan(0);
        expect(wellFormed(reply.content)).toBe(reply.content);
        expect(visitor.ended().find((ended) => ended.id === reply.id)).toEqual(reply);
      }
    },
  );
});
