/**
 * Capacity benchmark: `npm run bench:capacity` (add `-- --help` for options).
 *
 * How many replies one Chorus process streams at once. The server runs in a child process
 * (bench/lib/capacity-server.ts), so its CPU and RSS are its own; this process plays the model
 * provider and the people. At each level, R rooms (policy `all`) get one message each, so the
 * three shipped personas stream 3 × R replies together, each 30 tokens/s through the real OpenAI
 * SDK adapter to a timed fake (bench/lib/capacity-fake.ts: every token a unique marker, its write
 * time kept), and one realtime-js listener per room (bench/lib/room-listener.ts) stamps every
 * broadcast on arrival. The level is raised until token → client p99 overhead (latency − the
 * coalescing window) exceeds 50 ms or any delta is lost (a token not received exactly once, or a
 * final message that differs from what the fake streamed).
 *
 * The same levels then run through a bare `ws` relay (a room = a path; no auth, storage or
 * protocol): this process makes the same tokens at the same pace, coalesces them with the same
 * DeltaCoalescer and window, and sends each batch to the relay, which forwards it to the room's
 * listener. What Chorus costs beyond the relay is the SDK, the run queue, checkpoints, the hub.
 *
 * `--sustained` holds each level instead: every room posts again as soon as its round ends, so
 * R × 3 replies stream at every moment and about R × 3 / seconds start and end every second, as
 * on a server in use; latency counts the tokens written once every room is in its rounds.
 *
 * The machine's share: on one machine the server, this process and the embedded PostgreSQL share
 * the cores, so each level also reports this process's CPU and the database's (bench/lib/process-cpu.ts).
 *
 * Hosted Realtime cost: a level at the hosted window (150 ms, what a server with
 * `CHORUS_REALTIME_URL` uses) counts broadcasts per reply, and both windows report Realtime
 * messages per reply-minute as Supabase bills them (one per send plus one per receiver).
 *
 * Results: tables on stdout, `bench/results/capacity.json` (with plot-ready series);
 * docs/benchmarks.md by hand. Numbers from a busy machine are not the record.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import {
  DeltaCoalescer,
  HOSTED_COALESCE_MS,
  realtimeMessagesPerReplyMinute,
} from '../server/orchestrator/coalescer.ts';
import { startCapacityFake, markersOf, tokenText, type CapacityFake } from './lib/capacity-fake.ts';
import type {
  CapacityCommand,
  CapacityMessage,
  CapacityServerKind,
  CapacityUsage,
} from './lib/capacity-server.ts';
import { readFlags } from './lib/flags.ts';
import { LatencyHistogram } from './lib/histogram.ts';
import { machineInfo, writeJson } from './lib/results.ts';
import { RoomListener } from './lib/room-listener.ts';
import pg from 'pg';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { startEmbeddedCluster } from '../server/store/embedded-postgres.ts';
import { findPostgresBinaries } from '../server/store/postgres-binaries.ts';
import { processTreeCpuMs } from './lib/process-cpu.ts';
import { formatTable, round, type Cell } from './lib/table.ts';

const HELP = `npm run bench:capacity -- [options]
  --rooms=LIST     levels, rooms per level (3 replies each), comma-separated
                   (default 10,20,35,50,75,100,170: 30 to 510 replies)
  --seconds=N      streaming time per level (default 10)
  --ramp=MS        start the rooms one after another over MS (default 0: every room's message
                   posted at once, so all its replies start, and end, together)
  --sustained      hold each level: every room posts again as soon as its round ends, the rooms
                   started over one reply's length, latency counted for the tokens written in
                   the --seconds after the last room's first post (R × 3 replies streaming at
                   every moment, R × 3 / seconds of them starting and ending every second)
  --window=MS      the coalescing window of the capacity levels (default 40, the embedded hub's)
  --hosted-rooms=N rooms of the hosted-window level (default 10; 0 skips it)
  --database=DB    postgres (default: the embedded PostgreSQL server npm start runs, in a
                   temporary folder; its CPU is not in the server's numbers) or pglite (in
                   memory, in the server's process)
  --no-relay       skip the bare ws relay
  --cpu-prof=DIR   write the server process's CPU profile of each level into DIR
  --keep-going     run every level, also past the first that fails (to see how costs grow)
  --by-second      also print each level's p99 overhead per second of streaming (where it fails:
                   the replies starting together, the steady middle, or the ending together)
  --quick          levels 5,15 with 3 s each (a smoke run, not for the docs)
  --markdown       also print the tables as Markdown (for docs/benchmarks.md)
  --out=FILE       results file (default bench/results/capacity.json)`;

const flags = readFlags(HELP);
const quick = flags.has('quick');
const levels = (flags.get('rooms') ?? (quick ? '5,15' : '10,20,35,50,75,100,170'))
  .split(',')
  .map(Number);
const seconds = Number(flags.get('seconds') ?? (quick ? 3 : 10));
const rampMs = Number(flags.get('ramp') ?? 0);
if (!(rampMs >= 0))
  throw new Error(`--ramp: "${flags.get('ramp')}" is not a number of milliseconds`);
const sustained = flags.has('sustained');
const windowMs = Number(flags.get('window') ?? 40);
const hostedRooms = Number(flags.get('hosted-rooms') ?? (quick ? 3 : 10));
const withRelay = !flags.has('no-relay');
const keepGoing = flags.has('keep-going');
const database = flags.get('database') ?? 'postgres';
if (database !== 'pglite' && database !== 'postgres')
  throw new Error(`--database: "${database}" is not pglite or postgres`);
const markdown = flags.has('markdown');
const outFile = flags.get('out') ?? 'bench/results/capacity.json';
const cpuProfileDir = flags.get('cpu-prof') ?? null;
const bySecond = flags.has('by-second');

const TOKENS_PER_SECOND = 30;
const AGENTS = 3;
/** The issue's limits: p99 latency beyond the coalescing window, and no delta lost. */
const TARGET_OVERHEAD_P99_MS = 50;
const serverEntry = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'lib/capacity-server.ts',
);

// ---------------------------------------------------------------------------------------------
// The server child

interface ServerChild {
  url: string;
  request<T>(command: CapacityCommand): Promise<T>;
  close(): Promise<void>;
}

async function forkServer(
  kind: CapacityServerKind,
  env: Record<string, string>,
): Promise<ServerChild> {
  const child = fork(serverEntry, [kind], {
    env: { ...process.env, ...env },
    // `--cpu-prof=DIR`: the server's CPU profile, one file per level, to open in Chrome DevTools.
    execArgv: [
      ...process.execArgv,
      ...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (result: unknown) => void>();
  let nextId = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
    child.on('message', (message: CapacityMessage) => {
      if (message.type === 'ready') resolve(message.url);
      else {
        waiting.get(message.id)?.(message.result);
        waiting.delete(message.id);
      }
    });
  });
  const request = <T>(command: CapacityCommand) =>
    new Promise<T>((resolve) => {
      nextId += 1;
      waiting.set(nextId, (result) => resolve(result as T));
      child.send({ ...command, id: nextId });
    });
  return {
    url,
    request,
    async close() {
      await request({ command: 'exit' });
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One level

interface Received {
  at: number;
  event: string;
  payload: Record<string, unknown>;
}

interface LevelResult {
  mode: 'chorus' | 'relay';
  windowMs: number;
  rooms: number;
  replies: number;
  tokensPerReply: number;
  latency: { p50: number; p99: number; max: number; count: number };
  overheadP99: number;
  /** p99 overhead of the tokens the provider wrote in each second of the level, from its first token. */
  overheadP99BySecond: number[];
  /** Tokens not received exactly once, plus finals that differ from what was streamed. */
  lost: number;
  problems: string[];
  pass: boolean;
  /** Replies streaming at once, on average over the tokens counted (`--sustained`; else null). */
  concurrentMean: number | null;
  server: {
    /** CPU of the server process over the level, in cores (1 = one core busy). */
    cpuCores: number;
    cpuPercentPerReply: number;
    /**
     * CPU time per second of one reply's streaming: the work, whatever the wall time (on a busy
     * machine a starved server takes longer, and its share of a core looks smaller).
     */
    cpuMsPerReplySecond: number;
    /** 1000 / cpuMsPerReplySecond: replies one fully busy core would stream. */
    repliesPerCore: number;
    eventLoopUtilization: number;
    rssMb: number;
    rssIdleMb: number;
    rssKbPerReply: number;
    heapKbPerReply: number;
  };
  /** This process (provider fake and listeners): when it is saturated the latency is its own. */
  loadEventLoopUtilization: number;
  /** Its CPU over the level, in cores: on one machine the three share its cores. */
  loadCpuCores: number;
  /** The embedded PostgreSQL server's processes, in cores (null: PGlite, in the server, or no /proc). */
  databaseCpuCores: number | null;
  providerLatenessP99: number;
  /** Every broadcast the room's listener got (start, deltas, end, presence …), per reply. */
  broadcastsPerReply: number;
  /** Provider tokens per text-delta broadcast. */
  tokensPerTextDelta: number;
  streamSeconds: number;
  realtimeMessagesPerReplyMinute: number;
}

/** CPU ms of the embedded PostgreSQL server so far (main sets it when it starts one). */
let databaseCpuMs: () => number | null = () => null;

/**
 * Samples the server's usage every 500 ms while `work` runs; the peak RSS and the CPU over it,
 * and the CPU of this process and of the database over the same time.
 */
async function measured(
  server: ServerChild,
  work: () => Promise<void>,
): Promise<{
  cores: number;
  cpuMs: number;
  elu: number;
  rssPeak: number;
  heapPeak: number;
  loadElu: number;
  loadCores: number;
  databaseCores: number | null;
}> {
  const before = await server.request<CapacityUsage>({ command: 'usage' });
  const loadBefore = performance.eventLoopUtilization();
  const loadCpuBefore = process.cpuUsage();
  const databaseBefore = databaseCpuMs();
  let rssPeak = before.rss;
  let heapPeak = before.heapUsed;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const sample = await server.request<CapacityUsage>({ command: 'usage' });
      rssPeak = Math.max(rssPeak, sample.rss);
      heapPeak = Math.max(heapPeak, sample.heapUsed);
    }
  })();
  await work();
  sampling = false;
  await sampler;
  const after = await server.request<CapacityUsage>({ command: 'usage' });
  const databaseAfter = databaseCpuMs();
  const loadCpu = process.cpuUsage(loadCpuBefore);
  const wall = after.at - before.at;
  const active = after.active - before.active;
  return {
    cores: (after.cpuMicros - before.cpuMicros) / 1000 / wall,
    cpuMs: (after.cpuMicros - before.cpuMicros) / 1000,
    elu: active / (active + after.idle - before.idle),
    rssPeak: Math.max(rssPeak, after.rss),
    heapPeak: Math.max(heapPeak, after.heapUsed),
    loadElu: performance.eventLoopUtilization(loadBefore).utilization,
    loadCores: (loadCpu.user + loadCpu.system) / 1000 / wall,
    databaseCores:
      databaseBefore === null || databaseAfter === null
        ? null
        : (databaseAfter - databaseBefore) / wall,
  };
}

function percentiles(histogram: LatencyHistogram) {
  return {
    p50: histogram.percentile(0.5),
    p99: histogram.percentile(0.99),
    max: histogram.maxMs,
    count: histogram.count,
  };
}

/** Latency of every token at its room's listener, and what was lost. */
function analyse(
  perRoom: Received[][],
  written: (reply: number, index: number) => number | undefined,
  finals: Map<number, string>,
  replyNumbers: number[],
  tokensPerReply: number,
  counted: Window,
) {
  const latency = new LatencyHistogram();
  const perSecond: LatencyHistogram[] = [];
  const timed: Array<{ writtenAt: number; latency: number }> = [];
  const problems: string[] = [];
  let lost = 0;
  let broadcasts = 0;
  let textDeltas = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  const seen = new Map<number, Set<number>>();
  for (const events of perRoom) {
    broadcasts += events.length;
    for (const { at, event, payload } of events) {
      first = Math.min(first, at);
      last = Math.max(last, at);
      if (event === 'text-delta') {
        textDeltas += 1;
        for (const [reply, index] of markersOf(String(payload.delta))) {
          const tokens = seen.get(reply) ?? new Set<number>();
          seen.set(reply, tokens);
          if (tokens.has(index)) {
            lost += 1;
            problems.push(`q${reply}x${index} received twice`);
          }
          tokens.add(index);
          const at0 = written(reply, index);
          if (at0 === undefined || at0 < counted.from || at0 > counted.to) continue;
          latency.record(at - at0);
          timed.push({ writtenAt: at0, latency: at - at0 });
        }
      } else if (event === 'message-end') {
        const message = payload.message as { content: string; status: string };
        const reply = markersOf(message.content)[0]?.[0];
        if (
          message.status !== 'complete' ||
          reply === undefined ||
          finals.get(reply) !== message.content
        ) {
          lost += 1;
          problems.push(`a final message (${message.status}) differs from what was streamed`);
        }
      }
    }
  }
  const firstWritten = timed.reduce((min, token) => Math.min(min, token.writtenAt), Infinity);
  for (const token of timed) {
    const second = Math.floor((token.writtenAt - firstWritten) / 1000);
    for (let index = perSecond.length; index <= second; index += 1)
      perSecond.push(new LatencyHistogram());
    perSecond[second]!.record(token.latency);
  }
  for (const reply of replyNumbers) {
    const missing = tokensPerReply - (seen.get(reply)?.size ?? 0);
    if (missing > 0) {
      lost += missing;
      problems.push(`reply ${reply}: ${missing} tokens never arrived`);
    }
  }
  return {
    latency,
    perSecond,
    lost,
    problems: problems.slice(0, 10),
    broadcasts,
    textDeltas,
    seconds: (last - first) / 1000,
    streamed: replyNumbers.length,
    concurrentMean: sustained
      ? meanConcurrency(replyNumbers, written, tokensPerReply, counted)
      : null,
  };
}

/** The tokens whose latency counts, by write time: all of a burst level (`--sustained`: playRounds). */
interface Window {
  from: number;
  to: number;
}

/** Replies streaming at once (first token written, last not yet), sampled every 50 ms of `window`. */
function meanConcurrency(
  replyNumbers: number[],
  written: (reply: number, index: number) => number | undefined,
  tokensPerReply: number,
  window: Window,
): number {
  const spans = replyNumbers.map((reply): [number, number] => [
    written(reply, 0) ?? Number.NaN,
    written(reply, tokensPerReply - 1) ?? Number.POSITIVE_INFINITY,
  ]);
  let samples = 0;
  let streaming = 0;
  for (let at = window.from; at <= window.to; at += 50) {
    samples += 1;
    for (const [first, last] of spans) if (first <= at && at <= last) streaming += 1;
  }
  return samples === 0 ? 0 : streaming / samples;
}

/**
 * Plays a level's rounds: room `index` starts its first after index / rooms of the spread
 * (`--ramp`, or one reply's length when `--sustained`) and, when sustained, its next as soon as
 * one ends, until the counted window is over. Answers the window: every token of a burst level;
 * the `runSeconds` after the last room's first post of a sustained one, when every room is in
 * its rounds.
 */
async function playRounds(
  rooms: number,
  runSeconds: number,
  round: (room: number, count: number) => Promise<void>,
): Promise<Window> {
  const start = performance.now();
  const spread = sustained ? runSeconds * 1000 : rampMs;
  const counted = sustained
    ? { from: start + spread, to: start + spread + runSeconds * 1000 }
    : { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY };
  await Promise.all(
    Array.from({ length: rooms }, async (_, room) => {
      await new Promise((resolve) => setTimeout(resolve, (room * spread) / rooms));
      let count = 0;
      do await round(room, count++);
      while (sustained && performance.now() < counted.to);
    }),
  );
  return counted;
}

async function chorusLevel(
  server: ServerChild,
  fake: CapacityFake,
  rooms: number,
  label: string,
  window: number,
  runSeconds: number,
): Promise<LevelResult> {
  const tokensPerReply = TOKENS_PER_SECOND * runSeconds;
  fake.configure({ tokens: tokensPerReply, tokensPerSecond: TOKENS_PER_SECOND });
  const ids = Array.from({ length: rooms }, (_, index) => `${label}-${index}`);
  await server.request({ command: 'rooms', ids });
  const listeners: RoomListener[] = [];
  for (let start = 0; start < ids.length; start += 25)
    listeners.push(
      ...(await Promise.all(
        ids.slice(start, start + 25).map((id) => RoomListener.join(server.url, id, 'Listener')),
      )),
    );
  const idle = await server.request<CapacityUsage>({ command: 'usage' });
  const firstReply = fake.replies.length;
  const deadline = performance.now() + (runSeconds * (sustained ? 3 : 1) + 60) * 1000;
  let counted: Window = { from: 0, to: 0 };
  const usage = await measured(server, async () => {
    counted = await playRounds(rooms, runSeconds, async (room, count) => {
      const listener = listeners[room]!;
      await listener.post('Everyone, go.');
      while (listener.ended < AGENTS * (count + 1) && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20)); // past the deadline: lost below
    });
  });
  await Promise.all(listeners.map((listener) => listener.close()));
  const replyNumbers = Array.from(
    { length: fake.replies.length - firstReply },
    (_, index) => firstReply + index,
  );
  const expected = AGENTS * listeners.reduce((sum, listener) => sum + listener.posted, 0);
  const finals = new Map(replyNumbers.map((number) => [number, fake.replies[number]!.text]));
  const result = analyse(
    listeners.map((listener) => listener.events),
    (reply, index) => fake.replies[reply]?.writtenAt[index],
    finals,
    replyNumbers,
    tokensPerReply,
    counted,
  );
  if (replyNumbers.length < expected) {
    result.lost += (expected - replyNumbers.length) * tokensPerReply;
    result.problems.push(`${expected - replyNumbers.length} replies never reached the provider`);
  }
  const lateness = new LatencyHistogram();
  for (const number of replyNumbers)
    for (const late of fake.replies[number]!.lateness) lateness.record(late);
  return level('chorus', window, rooms, tokensPerReply, result, usage, idle, lateness);
}

function level(
  mode: LevelResult['mode'],
  window: number,
  rooms: number,
  tokensPerReply: number,
  result: ReturnType<typeof analyse>,
  usage: Awaited<ReturnType<typeof measured>>,
  idle: CapacityUsage,
  lateness: LatencyHistogram,
): LevelResult {
  const replies = rooms * AGENTS;
  const latency = percentiles(result.latency);
  const overheadP99 = latency.p99 - window;
  // Per reply streamed: one per slot in a burst level, several in a sustained one.
  const streamed = Math.max(1, result.streamed);
  const broadcastsPerReply = result.broadcasts / streamed;
  const cpuMsPerReplySecond = usage.cpuMs / (streamed * (tokensPerReply / TOKENS_PER_SECOND));
  return {
    mode,
    windowMs: window,
    rooms,
    replies,
    tokensPerReply,
    latency,
    overheadP99,
    overheadP99BySecond: result.perSecond.map((histogram) => histogram.percentile(0.99) - window),
    lost: result.lost,
    problems: result.problems,
    pass: result.lost === 0 && overheadP99 <= TARGET_OVERHEAD_P99_MS,
    concurrentMean: result.concurrentMean,
    server: {
      cpuCores: usage.cores,
      cpuPercentPerReply: (100 * usage.cores) / replies,
      cpuMsPerReplySecond,
      repliesPerCore: 1000 / cpuMsPerReplySecond,
      eventLoopUtilization: usage.elu,
      rssMb: usage.rssPeak / 2 ** 20,
      rssIdleMb: idle.rss / 2 ** 20,
      // RSS moves in large steps (GC, PGlite's WebAssembly memory): a drop counts as no growth.
      rssKbPerReply: Math.max(0, usage.rssPeak - idle.rss) / 1024 / replies,
      heapKbPerReply: Math.max(0, usage.heapPeak - idle.heapUsed) / 1024 / replies,
    },
    loadEventLoopUtilization: usage.loadElu,
    loadCpuCores: usage.loadCores,
    databaseCpuCores: usage.databaseCores,
    providerLatenessP99: lateness.percentile(0.99),
    broadcastsPerReply,
    tokensPerTextDelta: (tokensPerReply * streamed) / result.textDeltas,
    streamSeconds: result.seconds,
    // One listener per room: each broadcast is one send and one receive.
    realtimeMessagesPerReplyMinute: realtimeMessagesPerReplyMinute({
      broadcasts: broadcastsPerReply,
      seconds: tokensPerReply / TOKENS_PER_SECOND,
      receivers: 1,
    }),
  };
}

/** The same tokens, coalesced the same way, through the bare relay. */
async function relayLevel(
  server: ServerChild,
  rooms: number,
  runSeconds: number,
): Promise<LevelResult> {
  const tokensPerReply = TOKENS_PER_SECOND * runSeconds;
  const open = (room: number, onMessage?: (data: string) => void) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${server.url}/r${room}`, { perMessageDeflate: false });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
      if (onMessage) socket.on('message', (data) => onMessage(String(data)));
    });
  const perRoom: Received[][] = Array.from({ length: rooms }, () => []);
  const ended = perRoom.map(() => 0);
  const listeners = await Promise.all(
    perRoom.map((events, room) =>
      open(room, (data) => {
        const { event, payload } = JSON.parse(data) as Omit<Received, 'at'>;
        if (event === 'message-end') ended[room]! += 1;
        events.push({ at: performance.now(), event, payload });
      }),
    ),
  );
  const publishers = await Promise.all(
    Array.from({ length: rooms * AGENTS }, (_, reply) => open(Math.floor(reply / AGENTS))),
  );
  const idle = await server.request<CapacityUsage>({ command: 'usage' });
  // By reply number: slot (room × AGENTS + agent) in a burst level, one per round after that.
  const writtenAt = new Map<number, Float64Array>();
  const finals = new Map<number, string>();
  const lateness = new LatencyHistogram();
  let nextReply = 0;
  const streamReply = async (slot: number) => {
    const socket = publishers[slot]!;
    const reply = nextReply++;
    const written = new Float64Array(tokensPerReply).fill(Number.NaN);
    writtenAt.set(reply, written);
    let seq = 0;
    const frame = (event: string, payload: Record<string, unknown>) =>
      socket.send(JSON.stringify({ event, payload: { id: `m${reply}`, ...payload } }));
    const coalescer = new DeltaCoalescer(
      async (_kind, delta) => frame('text-delta', { seq: (seq += 1), delta }),
      { windowMs, maxChars: 512 },
    );
    frame('message-start', {});
    let text = '';
    const interval = 1000 / TOKENS_PER_SECOND;
    const start = performance.now() + interval;
    for (let index = 0; index < tokensPerReply; index += 1) {
      const due = start + index * interval;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      const token = tokenText(reply, index);
      const now = performance.now();
      lateness.record(Math.max(0, now - due));
      written[index] = now;
      text += token;
      await coalescer.push('text-delta', token);
    }
    await coalescer.flush();
    finals.set(reply, text);
    frame('message-end', { message: { content: text, status: 'complete' } });
  };
  const rounds = perRoom.map(() => 0);
  let counted: Window = { from: 0, to: 0 };
  const usage = await measured(server, async () => {
    counted = await playRounds(rooms, runSeconds, async (room) => {
      rounds[room]! += 1;
      const slots = Array.from({ length: AGENTS }, (_, agent) => room * AGENTS + agent);
      await Promise.all(slots.map(streamReply));
    });
    const deadline = performance.now() + 10_000;
    while (
      ended.some((count, room) => count < AGENTS * rounds[room]!) &&
      performance.now() < deadline
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
  });
  for (const socket of [...listeners, ...publishers]) socket.terminate();
  const result = analyse(
    perRoom,
    (reply, index) => writtenAt.get(reply)?.[index],
    finals,
    [...writtenAt.keys()],
    tokensPerReply,
    counted,
  );
  return level('relay', windowMs, rooms, tokensPerReply, result, usage, idle, lateness);
}

// ---------------------------------------------------------------------------------------------
// Main

function printLevel(result: LevelResult): void {
  console.log(
    `  ${result.mode} ${result.replies} replies (${result.rooms} rooms, window ${result.windowMs} ms): ` +
      `p99 ${round(result.latency.p99)} ms, overhead ${round(result.overheadP99)} ms, lost ${result.lost}, ` +
      `server ${round(result.server.cpuCores * 100)}% of a core, RSS ${round(result.server.rssMb)} MB, ` +
      `load ${round(result.loadCpuCores * 100)}% (ELU ${round(result.loadEventLoopUtilization * 100)}%)` +
      (result.databaseCpuCores === null
        ? ''
        : `, database ${round(result.databaseCpuCores * 100)}%`) +
      ` ${result.pass ? 'PASS' : 'FAIL'}` +
      (result.concurrentMean === null
        ? ''
        : `, ${round(result.concurrentMean)} streaming at once on average`) +
      (result.problems.length > 0 ? `  (${result.problems.slice(0, 3).join('; ')})` : ''),
  );
  if (bySecond)
    console.log(
      `    overhead p99 by second: ${result.overheadP99BySecond.map((ms) => round(ms)).join(' ')}`,
    );
}

/** The embedded PostgreSQL server `npm start` runs, in a temporary folder, with a database per server. */
async function startEmbeddedDatabase() {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'chorus-capacity-'));
  const bin = await findPostgresBinaries();
  if (!bin) throw new Error('--database=postgres: no PostgreSQL binaries (run npm install)');
  const clusterDir = path.join(folder, 'postgres');
  const cluster = await startEmbeddedCluster(clusterDir, bin, () => {});
  // The postmaster's pid is the first line of its pid file; its backends are its children.
  const postmaster = Number(
    (await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  return {
    cpuMs: () => processTreeCpuMs(postmaster),
    async createDatabase(name: string) {
      await admin.query(`create database ${pg.escapeIdentifier(name)}`);
      return cluster.url.replace('/postgres?', `/${encodeURIComponent(name)}?`);
    },
    async stop() {
      await admin.end();
      await cluster.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const started = performance.now();
  console.log(
    `bench:capacity — ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
  );
  console.log(
    `rooms × ${AGENTS} agents at ${TOKENS_PER_SECOND} tokens/s, ${seconds} s per level, window ${windowMs} ms, ${database}${sustained ? ', sustained (each room posts again when its round ends)' : rampMs > 0 ? `, rooms started over ${rampMs} ms` : ''}\n`,
  );
  const fake = await startCapacityFake({ tokens: 30, tokensPerSecond: TOKENS_PER_SECOND });
  const postgres = database === 'postgres' ? await startEmbeddedDatabase() : null;
  if (postgres) databaseCpuMs = postgres.cpuMs;
  const chorusEnv = async (window: number, name: string) => ({
    CAPACITY_FAKE_URL: fake.url,
    CHORUS_COALESCE_MS: String(window),
    ...(postgres ? { CAPACITY_DATABASE_URL: await postgres.createDatabase(name) } : {}),
  });
  const results: LevelResult[] = [];
  try {
    const chorus = await forkServer('chorus', await chorusEnv(windowMs, 'capacity'));
    try {
      await chorusLevel(chorus, fake, 2, 'warmup', windowMs, 2);
      for (const [index, rooms] of levels.entries()) {
        const result = await chorusLevel(chorus, fake, rooms, `L${index}`, windowMs, seconds);
        results.push(result);
        printLevel(result);
        if (!result.pass && !keepGoing) break;
      }
    } finally {
      await chorus.close();
    }
    if (hostedRooms > 0) {
      const hosted = await forkServer('chorus', await chorusEnv(HOSTED_COALESCE_MS, 'hosted'));
      try {
        const result = await chorusLevel(
          hosted,
          fake,
          hostedRooms,
          'hosted',
          HOSTED_COALESCE_MS,
          seconds,
        );
        results.push(result);
        printLevel(result);
      } finally {
        await hosted.close();
      }
    }
    if (withRelay) {
      const relay = await forkServer('relay', {});
      try {
        for (const rooms of levels) {
          const result = await relayLevel(relay, rooms, seconds);
          results.push(result);
          printLevel(result);
          if (!result.pass && !keepGoing) break;
        }
      } finally {
        await relay.close();
      }
    }
  } finally {
    await fake.close();
    await postgres?.stop();
  }

  const capacityOf = (mode: LevelResult['mode']) => {
    const passing = results.filter(
      (result) => result.mode === mode && result.windowMs === windowMs && result.pass,
    );
    const best = passing.at(-1);
    return best
      ? { replies: best.replies, perCore: best.replies / best.server.cpuCores, level: best }
      : { replies: 0, perCore: 0, level: null };
  };
  const chorusCapacity = capacityOf('chorus');
  const relayCapacity = capacityOf('relay');

  const headers = [
    'server',
    'window ms',
    'rooms',
    'replies',
    'p50',
    'p99',
    'overhead p99',
    'lost',
    'server CPU %',
    'CPU ms / reply-s',
    'replies / core',
    'server ELU %',
    'RSS MB',
    'RSS KB / reply',
    'heap KB / reply',
    'load ELU %',
    'load CPU %',
    'DB CPU %',
    'bcasts / reply',
    'RT msgs / reply-min',
    `< ${TARGET_OVERHEAD_P99_MS} ms, 0 lost`,
  ];
  const rows: Cell[][] = results.map((result) => [
    result.mode,
    result.windowMs,
    result.rooms,
    result.replies,
    round(result.latency.p50),
    round(result.latency.p99),
    round(result.overheadP99),
    result.lost,
    round(result.server.cpuCores * 100),
    round(result.server.cpuMsPerReplySecond),
    round(result.server.repliesPerCore),
    round(result.server.eventLoopUtilization * 100),
    round(result.server.rssMb),
    round(result.server.rssKbPerReply),
    round(result.server.heapKbPerReply),
    round(result.loadEventLoopUtilization * 100),
    round(result.loadCpuCores * 100),
    result.databaseCpuCores === null ? '' : round(result.databaseCpuCores * 100),
    round(result.broadcastsPerReply),
    round(result.realtimeMessagesPerReplyMinute),
    result.pass ? 'PASS' : 'FAIL',
  ]);
  console.log(
    `\nConcurrent replies, token written by the provider -> received by the room's listener (ms)`,
  );
  console.log(formatTable(headers, rows));
  if (markdown) console.log(`\n${formatTable(headers, rows, 'markdown')}`);

  const cost = [windowMs, HOSTED_COALESCE_MS].flatMap((window) => {
    const result = results.find((entry) => entry.mode === 'chorus' && entry.windowMs === window);
    if (!result) return [];
    const perMinute = (receivers: number) =>
      realtimeMessagesPerReplyMinute({
        broadcasts: result.broadcastsPerReply,
        seconds: result.tokensPerReply / TOKENS_PER_SECOND,
        receivers,
      });
    return [
      [
        window,
        round(result.tokensPerTextDelta),
        round((result.broadcastsPerReply * TOKENS_PER_SECOND * 60) / result.tokensPerReply),
        round(perMinute(1)),
        round(perMinute(5)),
      ] as Cell[],
    ];
  });
  const costHeaders = [
    'window ms',
    'tokens / text-delta',
    'broadcasts / reply-min',
    'RT msgs / reply-min, 1 receiver',
    '5 receivers',
  ];
  console.log(`\nHosted Realtime cost (one message per send plus one per receiver)`);
  console.log(formatTable(costHeaders, cost));
  if (markdown) console.log(`\n${formatTable(costHeaders, cost, 'markdown')}`);
  console.log(
    `\nChorus: ${chorusCapacity.replies} concurrent replies per process passed ` +
      `(${round(chorusCapacity.perCore)} per core of server CPU` +
      (chorusCapacity.level?.concurrentMean == null
        ? ''
        : `, ${round(chorusCapacity.level.concurrentMean)} streaming at once on average`) +
      `); bare relay: ${relayCapacity.replies}. ` +
      `Target ≥ 500: ${chorusCapacity.replies >= 500 ? 'PASS' : 'FAIL'}`,
  );
  const totalS = (performance.now() - started) / 1000;
  console.log(`(${round(totalS)} s)`);

  const series = (mode: LevelResult['mode'], window: number) =>
    results
      .filter((result) => result.mode === mode && result.windowMs === window)
      .map((result) => ({
        replies: result.replies,
        overheadP99Ms: result.overheadP99,
        lost: result.lost,
        cpuCores: result.server.cpuCores,
        rssMb: result.server.rssMb,
        rssKbPerReply: result.server.rssKbPerReply,
        heapKbPerReply: result.server.heapKbPerReply,
        cpuMsPerReplySecond: result.server.cpuMsPerReplySecond,
      }));
  await writeJson(outFile, {
    benchmark: 'capacity',
    date: new Date().toISOString(),
    machine,
    options: {
      levels,
      seconds,
      rampMs,
      sustained,
      quick,
      windowMs,
      database,
      hostedWindowMs: HOSTED_COALESCE_MS,
      hostedRooms,
      tokensPerSecond: TOKENS_PER_SECOND,
      agents: AGENTS,
      targetOverheadP99Ms: TARGET_OVERHEAD_P99_MS,
    },
    capacity: {
      chorusReplies: chorusCapacity.replies,
      chorusRepliesPerCore: chorusCapacity.perCore,
      relayReplies: relayCapacity.replies,
      relayRepliesPerCore: relayCapacity.perCore,
    },
    /** Plot-ready: x = replies, one series per server. */
    series: { chorus: series('chorus', windowMs), relay: series('relay', windowMs) },
    results,
    totalSeconds: totalS,
  });
  console.log(`results: ${outFile}`);
}

await main();
