/**
 * Crash recovery, measured: a server on one data folder is killed with SIGKILL mid-stream several
 * times in a row while people post; then it starts once more and recovers. Every acknowledged
 * post must end with its replies complete, interrupted or re-run, none silently missing, none twice.
 *
 *   npm run bench:crash-recovery -- --kills=5 --posters=4
 *
 * Prints a table and writes bench/results/crash-recovery.json; exits 1 when a post is unaccounted for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Message } from '../protocol/room.ts';
import { readFlags } from './lib/flags.ts';
import { machineInfo, writeJson } from './lib/results.ts';
import { formatTable } from './lib/table.ts';

const flags = readFlags('npm run bench:crash-recovery -- [--kills=5] [--posters=4]');
const KILLS = Number(flags.get('kills') ?? 5);
const POSTERS = Number(flags.get('posters') ?? 4);
const AGENTS = 3; // the room's policy is `all`: every post gets the three shipped personas

interface Child {
  process: ChildProcess;
  url: string;
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chorus-crash-'));
const env = {
  ...process.env,
  PORT: '0',
  CHORUS_DATA_DIR: dataDir,
  CHORUS_JWT_SECRET: randomBytes(32).toString('hex'),
  CHORUS_LOG_LEVEL: 'error',
  CHORUS_LIMIT_MESSAGES_PER_MINUTE: '1000',
  CHORUS_LIMIT_MESSAGES_PER_IP_PER_MINUTE: '10000',
  CRASH_ROOMS: String(POSTERS),
};
/** Each poster has a room of its own (a room streams at most a few replies at once). */
const roomOf = (poster: number) => `crash-${poster + 1}`;

function startChild(): Promise<Child> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'lib/crash-child.ts')],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready (\S+)/.exec(output);
      if (ready) resolve({ process: child, url: ready[1]! });
    });
    child.once('exit', (code) =>
      reject(new Error(`the server exited (${code}) before it was ready: ${output}`)),
    );
  });
}

async function session(url: string, room: string, name: string): Promise<string> {
  const response = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, name }),
  });
  if (!response.ok) throw new Error(`session: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** Posts until `stop` resolves; returns the ids the server acknowledged (201). */
async function postUntil(
  url: string,
  room: string,
  token: string,
  stop: Promise<void>,
  acknowledged: Set<string>,
): Promise<void> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  while (!stopped) {
    const id = randomUUID();
    try {
      const response = await fetch(`${url}/api/rooms/${room}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id, content: `Tell me something, all of you (${id.slice(0, 8)})` }),
      });
      if (response.status === 201) acknowledged.add(id);
    } catch {
      return; // the server is gone
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

const acknowledged = new Set<string>();
const rounds: Array<{ round: number; posted: number; startMs: number }> = [];
for (let round = 1; round <= KILLS; round += 1) {
  const started = performance.now();
  const child = await startChild();
  const startMs = performance.now() - started;
  const tokens = await Promise.all(
    Array.from({ length: POSTERS }, (_, index) =>
      session(child.url, roomOf(index), `Poster ${index + 1}`),
    ),
  );
  const before = acknowledged.size;
  // Kill while replies stream: after posts have gone in and the first replies are mid-way.
  const kill = new Promise<void>((resolve) => setTimeout(resolve, 1_500 + Math.random() * 1_000));
  const posting = tokens.map((token, index) =>
    postUntil(child.url, roomOf(index), token, kill, acknowledged),
  );
  await kill;
  const exited = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.kill('SIGKILL');
  await Promise.all([exited, ...posting]);
  rounds.push({ round, posted: acknowledged.size - before, startMs });
}

// Once more, and long enough for the dead processes' leases (15 s) to expire and be recovered.
const last = await startChild();
const deadline = Date.now() + 60_000;
let report = await inspect();
while (
  Date.now() < deadline &&
  (report.repliesStreaming > 0 || report.postsWithoutAllReplies > 0)
) {
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  report = await inspect();
}
const lastExited = new Promise((resolve) => last.process.once('exit', resolve));
last.process.kill('SIGTERM');
await lastExited;

/** What the data folder says about every post, read through the last server's REST API. */
async function inspect() {
  const messages: Message[] = [];
  for (let poster = 0; poster < POSTERS; poster += 1) {
    const token = await session(last.url, roomOf(poster), 'Inspector');
    let before: string | null = null;
    do {
      const response = await fetch(
        `${last.url}/api/rooms/${roomOf(poster)}/messages?limit=200${before ? `&before=${before}` : ''}`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
      const page = (await response.json()) as { messages: Message[]; nextCursor: string | null };
      messages.push(...page.messages);
      before = page.nextCursor;
    } while (before);
  }
  const posts = messages.filter((message) => message.author.kind === 'human');
  const replies = messages.filter((message) => message.author.kind === 'agent');
  const repliesByPost = new Map<string, Message[]>();
  for (const reply of replies)
    repliesByPost.set(reply.replyTo!, [...(repliesByPost.get(reply.replyTo!) ?? []), reply]);
  const count = (status: string) => replies.filter((reply) => reply.status === status).length;
  return {
    acknowledged: acknowledged.size,
    postsStored: posts.length,
    acknowledgedButMissing: [...acknowledged].filter((id) => !posts.some((post) => post.id === id))
      .length,
    postsWithoutAllReplies: posts.filter(
      (post) =>
        new Set((repliesByPost.get(post.id) ?? []).map((reply) => reply.author.id)).size < AGENTS,
    ).length,
    duplicateReplies: [...repliesByPost.values()].reduce(
      (sum, group) => sum + group.length - new Set(group.map((reply) => reply.author.id)).size,
      0,
    ),
    repliesComplete: count('complete'),
    repliesInterrupted: count('interrupted'),
    repliesFailed: count('error'),
    repliesStreaming: count('streaming'),
  };
}

console.log(
  formatTable(
    ['round', 'acknowledged posts', 'start ms'],
    rounds.map((entry) => [entry.round, entry.posted, Math.round(entry.startMs)]),
  ),
);
console.log();
console.log(formatTable(['figure', 'value'], Object.entries(report)));
const ok =
  report.acknowledgedButMissing === 0 &&
  report.postsWithoutAllReplies === 0 &&
  report.duplicateReplies === 0 &&
  report.repliesStreaming === 0;
console.log(
  `\n${ok ? 'PASS' : 'FAIL'}: every acknowledged post accounted for, no duplicates, nothing left streaming`,
);
await writeJson(path.join(import.meta.dirname, 'results/crash-recovery.json'), {
  machine: machineInfo(),
  kills: KILLS,
  posters: POSTERS,
  rounds,
  report,
  ok,
});
await rm(dataDir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
