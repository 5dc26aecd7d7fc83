/** What the store's contract suites share: two authors, fresh rooms, and a human post with its runs. */
import { randomUUID } from 'node:crypto';
import type { Author } from '../../protocol/room.ts';
import type { NewRun } from '../../server/store/run-queue.ts';
import { postHumanMessage, type Stores } from '../../server/store/store.ts';

export const ada: Author = { kind: 'human', id: 'guest-ada', name: 'Ada' };
export const sage: Author = { kind: 'agent', id: 'sage', name: 'Sage' };

/** Tests of a suite share one database and stay apart by using their own rooms. */
export function roomFixtures(stores: () => Stores) {
  let roomCounter = 0;
  return {
    async freshRoom(settings: Record<string, unknown> = {}) {
      roomCounter += 1;
      return stores().rooms.ensureRoom({
        id: `room-${roomCounter}-${randomUUID().slice(0, 8)}`,
        title: 'Test room',
        settings,
      });
    },
    /** Ada posts `content` in `roomId`, queueing `runs` with it. */
    post(roomId: string, content: string, runs: NewRun[] = [], id = randomUUID()) {
      return postHumanMessage(stores(), { id, roomId, author: ada, content, runs });
    },
  };
}
