/**
 * Randomized convergence of the catch-up merge (docs/architecture.md §3): a simulated room streams
 * several interleaved agent replies; a client joins at a random moment, merges a snapshot (live
 * state or an older checkpoint), then receives the events shuffled, duplicated and (in some
 * runs) dropped, refetching on every gap. Whatever happens it must end with exactly the
 * persisted transcript, never hold a state of a reply that the server never had, and never move
 * a reply backwards (shorter text, or streaming again after it ended).
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { applyReplyEvent, type ReplyState } from '../../protocol/reply-snapshot.ts';
import type {
  Author,
  Message,
  MessageStatus,
  RoomEvents,
  SequencedEventName,
} from '../../protocol/room.ts';
import { agentMessage, humanMessage, messageStart } from '../../protocol/test-support/messages.ts';
import { pick, randomInt, seededRandom } from '../../protocol/test-support/seeded-random.ts';
import { Transcript } from './transcript.ts';

interface Step {
  event: string;
  payload: unknown;
}

interface SimulatedRoom {
  steps: Step[];
  /** The server's transcript after the first `time` steps; streaming replies may be an older checkpoint. */
  snapshot(time: number, random: () => number): Message[];
  /** Every state a reply went through, by seq. */
  history: Map<string, ReplyState[]>;
  final: Message[];
}

const AGENTS: Author[] = [
  { kind: 'agent', id: 'sage', name: 'Sage' },
  { kind: 'agent', id: 'scout', name: 'Scout' },
  { kind: 'agent', id: 'muse', name: 'Muse' },
];
const WORDS = ['alpha ', 'beta ', 'gamma ', 'delta ', '`code` ', '**bold** ', '\n', '| a | b |\n'];

function simulateRoom(random: () => number): SimulatedRoom {
  const steps: Step[] = [];
  const states: Map<string, Message>[] = [new Map()];
  const history = new Map<string, ReplyState[]>();
  let current = new Map<string, Message>();
  let tick = Date.UTC(2026, 0, 1);
  let ids = 0;
  const time = () => new Date((tick += 1000)).toISOString();
  const record = (event: string, payload: unknown, next: Message) => {
    current = new Map(current).set(next.id, next);
    steps.push({ event, payload });
    states.push(current);
  };

  for (let round = randomInt(random, 1, 3); round > 0; round--) {
    const question = humanMessage({ id: `h${ids++}`, createdAt: time(), content: 'question' });
    record('message', { message: question }, question);
    const replies = AGENTS.filter(() => random() < 0.7);
    const active: { message: Message; pendingCalls: string[]; deltas: number }[] = [];
    let toStart = [...replies];
    while (toStart.length > 0 || active.length > 0) {
      if (toStart.length > 0 && (active.length === 0 || random() < 0.3)) {
        const author = toStart[0]!;
        toStart = toStart.slice(1);
        const message = agentMessage({
          id: `r${ids++}`,
          author,
          createdAt: time(),
          replyTo: question.id,
          reason: pick(random, ['mention', 'all', 'selected', 'handoff'] as const),
        });
        history.set(message.id, [{ content: '', parts: [], seq: 0 }]);
        record('message-start', messageStart(message), message);
        active.push({ message, pendingCalls: [], deltas: 0 });
        continue;
      }
      const index = Math.floor(random() * active.length);
      const reply = active[index]!;
      if (reply.deltas > 0 && random() < 0.12) {
        const status = pick<MessageStatus>(random, [
          'complete',
          'complete',
          'complete',
          'cancelled',
          'error',
          'interrupted',
        ]);
        const ended: Message = {
          ...reply.message,
          status,
          updatedAt: time(),
          error: status === 'error' ? 'provider failed' : null,
        };
        record('message-end', { message: ended }, ended);
        active.splice(index, 1);
        continue;
      }
      const seq = reply.message.seq + 1;
      const roll = random();
      let event: SequencedEventName;
      let payload: RoomEvents[SequencedEventName];
      if (reply.pendingCalls.length > 0 && roll < 0.2) {
        event = 'tool-result';
        payload = {
          id: reply.message.id,
          seq,
          callId: reply.pendingCalls.shift()!,
          ...(random() < 0.8 ? { result: { value: seq } } : { error: 'tool failed' }),
        };
      } else if (roll < 0.3) {
        event = 'tool-call';
        const callId = `c${seq}`;
        reply.pendingCalls.push(callId);
        payload = {
          id: reply.message.id,
          seq,
          callId,
          name: 'calculator',
          args: { expression: `${seq}+1` },
        };
      } else if (roll < 0.45) {
        event = 'reasoning-delta';
        payload = { id: reply.message.id, seq, delta: pick(random, WORDS) };
      } else {
        event = 'text-delta';
        payload = { id: reply.message.id, seq, delta: pick(random, WORDS) };
      }
      const state = applyReplyEvent(reply.message, event, payload);
      reply.message = { ...reply.message, ...state };
      reply.deltas++;
      history.get(reply.message.id)!.push(state);
      record(event, payload, reply.message);
    }
    if (random() < 0.3) {
      const notice = humanMessage({
        id: `s${ids++}`,
        createdAt: time(),
        author: { kind: 'system', id: 'system', name: 'Chorus' },
        content: 'cap reached',
      });
      record('message', { message: notice }, notice);
    }
  }

  const sortList = (map: Map<string, Message>) =>
    [...map.values()].sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
    );
  return {
    steps,
    history,
    final: sortList(current),
    snapshot(at, rng) {
      return sortList(states[at]!).map((message) => {
        if (message.status !== 'streaming' || rng() < 0.5) return message;
        const checkpoint = history.get(message.id)![randomInt(rng, 0, message.seq)]!;
        return { ...message, ...checkpoint };
      });
    },
  };
}

interface Perturbation {
  drop(step: Step): boolean;
  duplicateRate: number;
  swapRate: number;
}

/** The canonical step indexes in the order a client receives them. */
function deliveryOrder(
  room: SimulatedRoom,
  from: number,
  perturbation: Perturbation,
  random: () => number,
): number[] {
  const order: number[] = [];
  for (let index = from; index < room.steps.length; index++) {
    if (perturbation.drop(room.steps[index]!) && random() < 0.25) continue;
    order.push(index);
  }
  for (let position = order.length - 1; position >= 0; position--) {
    if (random() < perturbation.duplicateRate)
      order.splice(Math.min(order.length, position + randomInt(random, 1, 6)), 0, order[position]!);
  }
  for (let position = 0; position < order.length - 1; position++) {
    if (random() >= perturbation.swapRate) continue;
    const other = Math.min(order.length - 1, position + randomInt(random, 1, 4));
    [order[position], order[other]] = [order[other]!, order[position]!];
  }
  return order;
}

/** Runs one client through a room; returns its transcript and how often it refetched. */
function runClient(seed: number, perturbation: Perturbation) {
  const random = seededRandom(seed);
  const room = simulateRoom(random);
  const transcript = new Transcript();
  const subscribedAt = random() < 0.5 ? 0 : randomInt(random, 0, room.steps.length);
  const fetchedAt = randomInt(random, subscribedAt, room.steps.length);
  transcript.merge(room.snapshot(fetchedAt, random));
  let now = fetchedAt;
  let refetches = 0;
  const finals = new Map(room.final.map((message) => [message.id, message]));
  const progress = new Map<string, { seq: number; finished: boolean }>();

  const checkInvariants = (when: string) => {
    for (const message of transcript.list()) {
      const before = progress.get(message.id);
      const finished = message.status !== 'streaming';
      if (before?.finished && !finished)
        expect.fail(`seed ${seed} ${when}: finished ${message.id} streams again`);
      if (before && !finished && message.seq < before.seq)
        expect.fail(
          `seed ${seed} ${when}: ${message.id} went back from seq ${before.seq} to ${message.seq}`,
        );
      progress.set(message.id, {
        seq: Math.max(before?.seq ?? 0, message.seq),
        finished: finished || before?.finished === true,
      });
      if (!finished) {
        const seen = room.history.get(message.id)?.[message.seq];
        const held = { content: message.content, parts: message.parts, seq: message.seq };
        if (!isDeepStrictEqual(seen, held))
          expect(
            held,
            `seed ${seed} ${when}: ${message.id} at seq ${message.seq} is a state the server had`,
          ).toEqual(seen);
      } else if (!isDeepStrictEqual(message, finals.get(message.id))) {
        expect(
          message,
          `seed ${seed} ${when}: finished ${message.id} is the persisted one`,
        ).toEqual(finals.get(message.id));
      }
    }
  };

  for (const index of deliveryOrder(room, subscribedAt, perturbation, random)) {
    now = Math.max(now, index + 1);
    const step = room.steps[index]!;
    const outcome = transcript.apply(step.event, step.payload);
    if (outcome.kind === 'gap') {
      refetches++;
      transcript.merge(room.snapshot(now, random));
    }
    checkInvariants(`after ${step.event} #${index}`);
  }
  return { room, transcript, refetches, checkInvariants };
}

const SEEDS = Array.from({ length: 1000 }, (_, index) => index + 1);

describe('Transcript convergence (randomized, seeded)', () => {
  it('converges exactly when events are reordered and duplicated, without any extra refetch', () => {
    for (const seed of SEEDS) {
      const { room, transcript } = runClient(seed, {
        drop: () => false,
        duplicateRate: 0.15,
        swapRate: 0.3,
      });
      expect(transcript.list(), `seed ${seed}`).toEqual(room.final);
      expect(transcript.waiting(), `seed ${seed}`).toEqual([]);
    }
  });

  it('converges exactly when deltas are lost too, refetching only on gaps', () => {
    let refetched = 0;
    for (const seed of SEEDS) {
      const { room, transcript, refetches } = runClient(seed, {
        drop: (step) => !['message', 'message-start', 'message-end'].includes(step.event),
        duplicateRate: 0.1,
        swapRate: 0.3,
      });
      refetched += refetches;
      expect(transcript.list(), `seed ${seed}`).toEqual(room.final);
    }
    expect(refetched).toBeGreaterThan(0);
  });

  it('never shows a state the server did not have when anything may be lost, and converges on the next refetch', () => {
    for (const seed of SEEDS) {
      const { room, transcript, checkInvariants } = runClient(seed, {
        drop: () => true,
        duplicateRate: 0.1,
        swapRate: 0.3,
      });
      transcript.merge(room.final); // the watchdog or a reconnect refetches
      checkInvariants('after the final refetch');
      expect(transcript.list(), `seed ${seed}`).toEqual(room.final);
    }
  });
});
