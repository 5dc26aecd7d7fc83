/**
 * The adversarial run of issue 10, reproducible and bounded (loopback only, about a minute): each
 * attack against a fresh in-process server, with the figure that says whether it still works.
 *
 *   npm run bench:adversarial
 *
 * - budget flood: 4 guest sessions post 40 `@all` messages at once against a 5,000-token budget;
 *   figure: tokens used ÷ budget (≤ 1.1), and how many budget notices the room got (1).
 * - cross-room flood: one IP opens 60 guest sessions × 5 posts in one room; a visitor of another
 *   room then asks; figure: that visitor's time to first token while flooded (≤ 2 s), against the
 *   same with no flood, measured in the same run.
 * - presence and typing forgery (test/adversarial/forgery.ts); figure: bytes fanned out per forged typing (0).
 * - emoji: posts of 50 and 4,000 emoji; figure: replies ended complete (all of them).
 *
 * Prints a table and writes bench/results/adversarial.json; exits 1 when a figure misses its target.
 */
import path from 'node:path';
import type { RunningServer } from '../server/start-server.ts';
import { OfflineChatModel } from '../server/providers/index.ts';
import { measureForgery } from '../test/adversarial/forgery.ts';
import { RoomVisitor } from '../test/helpers/room-visitor.ts';
import { startBenchServer } from './lib/chorus-bench-server.ts';
import { machineInfo, writeJson } from './lib/results.ts';
import { formatTable } from './lib/table.ts';

const BUDGET = 5_000;

async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function unfinishedRuns(server: RunningServer, roomId: string): Promise<number> {
  const { rows } = await server.store.sql.query<{ count: string | number }>(
    `select count(*) from agent_runs where room_id = $1 and status in ('queued', 'running')`,
    [roomId],
  );
  return Number(rows[0]!.count);
}

async function withServer<T>(
  options: Parameters<typeof startBenchServer>[0],
  run: (server: RunningServer, visitors: RoomVisitor[]) => Promise<T>,
): Promise<T> {
  const server = await startBenchServer(options);
  const visitors: RoomVisitor[] = [];
  try {
    return await run(server, visitors);
  } finally {
    await Promise.all(visitors.map((visitor) => visitor.disconnect()));
    await server.close();
  }
}

async function budgetFlood() {
  const model = new OfflineChatModel({ tokensPerSecond: 400, firstTokenDelayMs: 0 });
  return withServer(
    { modelFor: () => model, env: { CHORUS_TOKENS_PER_ROOM_PER_DAY: String(BUDGET) } },
    async (server, visitors) => {
      await server.store.rooms.ensureRoom({
        id: 'budget',
        title: 'Budget',
        settings: { policy: 'all' },
      });
      const people = await Promise.all(
        ['Ada', 'Grace', 'Alan', 'Edsger'].map((name) =>
          RoomVisitor.join(server.url, 'budget', name),
        ),
      );
      visitors.push(...people);
      const started = performance.now();
      await Promise.all(
        people.flatMap((person, index) =>
          Array.from({ length: 10 }, (_, turn) =>
            person.post(`@all question ${index}-${turn}, what do you think?`),
          ),
        ),
      );
      const postMs = performance.now() - started;
      await until(
        async () => (await unfinishedRuns(server, 'budget')) === 0,
        60_000,
        'the budget flood to settle',
      );
      const usage = await server.store.budget.getTokenUsage('budget');
      const transcript = await people[0]!.fetchMessages();
      return {
        posts: 40,
        postMs: Math.round(postMs),
        replies: transcript.filter((message) => message.author.kind === 'agent').length,
        tokensUsed: usage.inputTokens + usage.outputTokens,
        usedOverBudget: (usage.inputTokens + usage.outputTokens) / BUDGET,
        budgetNotices: transcript.filter(
          (message) => message.author.kind === 'system' && message.content.includes('token budget'),
        ).length,
      };
    },
  );
}

/** Time from a visitor's post to the first text-delta of its reply. */
async function timeToFirstToken(visitor: RoomVisitor, content: string): Promise<number> {
  const started = performance.now();
  const posted = await visitor.post(content);
  await until(
    () =>
      visitor.events.some(
        (entry) => entry.event === 'message-start' && entry.payload.replyTo === posted.id,
      ),
    30_000,
    'the reply to start',
  );
  const replyId = visitor.events.find(
    (entry) => entry.event === 'message-start' && entry.payload.replyTo === posted.id,
  )!.payload.id;
  await until(
    () =>
      visitor.events.some((entry) => entry.event === 'text-delta' && entry.payload.id === replyId),
    30_000,
    'the first token',
  );
  return (
    visitor.events.find((entry) => entry.event === 'text-delta' && entry.payload.id === replyId)!
      .at - started
  );
}

async function crossRoomFlood() {
  const model = new OfflineChatModel(); // the shipped pace: replies take seconds
  // Behind one trusted proxy, so the flooder and the other visitor have addresses of their own.
  return withServer(
    { modelFor: () => model, env: { CHORUS_TRUST_PROXY: 'loopback' } },
    async (server, visitors) => {
      const flooder = { 'x-forwarded-for': '203.0.113.7' };
      await server.store.rooms.ensureRoom({
        id: 'flooded',
        title: 'Flooded',
        settings: { policy: 'all' },
      });
      await server.store.rooms.ensureRoom({
        id: 'other',
        title: 'Other',
        settings: { policy: 'default' },
      });
      const visitor = await RoomVisitor.join(server.url, 'other', 'Grace');
      visitor.headers = { 'x-forwarded-for': '198.51.100.20' };
      visitors.push(visitor);
      const baselineMs = await timeToFirstToken(
        visitor,
        'Hello, a first question before anything else happens.',
      );

      const sessions = await Promise.all(
        Array.from({ length: 60 }, async (_, index) => {
          const response = await fetch(`${server.url}/api/session`, {
            method: 'POST',
            headers: { ...flooder, 'content-type': 'application/json' },
            body: JSON.stringify({ room: 'flooded', name: `Flooder ${index}` }),
          });
          return response.ok ? ((await response.json()) as { token: string }).token : null;
        }),
      );
      const statuses = await Promise.all(
        sessions.flatMap((token) =>
          Array.from({ length: token ? 5 : 0 }, async (_, turn) => {
            const response = await fetch(`${server.url}/api/rooms/flooded/messages`, {
              method: 'POST',
              headers: {
                ...flooder,
                authorization: `Bearer ${token}`,
                'content-type': 'application/json',
              },
              body: JSON.stringify({ id: crypto.randomUUID(), content: `@all flood ${turn}` }),
            });
            await response.body?.cancel();
            return response.status;
          }),
        ),
      );
      await until(
        async () => (await unfinishedRuns(server, 'flooded')) > 0,
        10_000,
        'the flood to queue runs',
      );
      const floodedMs = await timeToFirstToken(
        visitor,
        'And now, while that other room is flooded?',
      );
      return {
        sessions: sessions.filter(Boolean).length,
        postsAccepted: statuses.filter((status) => status === 201).length,
        postsRefused: statuses.filter((status) => status === 429).length,
        floodedRunsWaiting: await unfinishedRuns(server, 'flooded'),
        baselineFirstTokenMs: Math.round(baselineMs),
        floodedFirstTokenMs: Math.round(floodedMs),
        ratio: floodedMs / baselineMs,
      };
    },
  );
}

async function forgery() {
  return withServer({ env: { CHORUS_ALLOWED_ORIGINS: 'https://site.example' } }, async (server) =>
    measureForgery(server.url, { listeners: 20 }),
  );
}

async function emoji() {
  const model = new OfflineChatModel({ tokensPerSecond: 400, firstTokenDelayMs: 0 });
  return withServer(
    { modelFor: () => model, env: { CHORUS_LIMIT_MESSAGE_CHARS: '10000' } },
    async (server, visitors) => {
      await server.store.rooms.ensureRoom({
        id: 'emoji',
        title: 'Emoji',
        settings: { policy: 'all' },
      });
      const visitor = await RoomVisitor.join(server.url, 'emoji', 'Ada');
      visitors.push(visitor);
      const results = [];
      for (const count of [50, 4_000]) {
        const started = performance.now();
        const question = await visitor.post(`${'\u{1F600}'.repeat(count)} thoughts?`);
        const ended = () => visitor.ended().filter((message) => message.replyTo === question.id);
        await until(() => ended().length === 3, 30_000, `the replies to ${count} emoji`);
        results.push({
          emoji: count,
          repliesComplete: ended().filter(
            (message) => message.status === 'complete' && message.content.length > 0,
          ).length,
          endMs: Math.round(performance.now() - started),
        });
      }
      return results;
    },
  );
}

const budget = await budgetFlood();
const flood = await crossRoomFlood();
const forged = await forgery();
const emojiRuns = await emoji();

const checks: Array<[string, string | number, string, boolean]> = [
  [
    'budget flood: tokens used ÷ budget',
    budget.usedOverBudget.toFixed(3),
    '≤ 1.1',
    budget.usedOverBudget <= 1.1,
  ],
  ['budget flood: budget notices', budget.budgetNotices, '1', budget.budgetNotices === 1],
  ['budget flood: replies that ran', budget.replies, '–', true],
  [
    'cross-room flood: posts accepted / refused (one IP)',
    `${flood.postsAccepted} / ${flood.postsRefused}`,
    '–',
    true,
  ],
  [
    'cross-room flood: other room first token, ms (no flood)',
    flood.baselineFirstTokenMs,
    '–',
    true,
  ],
  [
    'cross-room flood: other room first token, ms (flooded)',
    flood.floodedFirstTokenMs,
    '≤ 2000',
    flood.floodedFirstTokenMs <= 2_000,
  ],
  [
    'forgery: forged presences accepted',
    forged.forgedPresenceAccepted,
    '0',
    forged.forgedPresenceAccepted === 0,
  ],
  [
    'forgery: bytes fanned out for forged typings',
    forged.typingBytesFannedOut,
    '0',
    forged.typingBytesFannedOut === 0,
  ],
  ['forgery: newcomer presence_state, bytes', forged.newcomerPresenceStateBytes, '–', true],
  [
    'forgery: upgrade from a foreign Origin, HTTP',
    forged.foreignOriginUpgradeStatus,
    '403',
    forged.foreignOriginUpgradeStatus === 403,
  ],
  ...emojiRuns.map((run): [string, string | number, string, boolean] => [
    `emoji: ${run.emoji} emoji, replies complete`,
    run.repliesComplete,
    '3',
    run.repliesComplete === 3,
  ]),
];
console.log(
  formatTable(
    ['figure', 'value', 'target', 'ok'],
    checks.map(([figure, value, target, ok]) => [figure, value, target, ok ? 'yes' : 'NO']),
  ),
);
const ok = checks.every(([, , , passed]) => passed);
await writeJson(path.join(import.meta.dirname, 'results/adversarial.json'), {
  machine: machineInfo(),
  budget,
  flood,
  forged,
  emoji: emojiRuns,
  ok,
});
process.exit(ok ? 0 : 1);
