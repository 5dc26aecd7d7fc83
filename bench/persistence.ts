/**
 * Persistence benchmark: `npm run bench:persistence` (add `-- --help` for options).
 *
 * 1. Writes per streamed reply. A 3,000-character agent reply streams in deltas of 3–5 characters
 *    on a virtual clock: the delta timeline is generated up front (seeded), each write policy
 *    decides from it which writes it makes, and exactly those writes then run back to back through
 *    the store's transcript and are timed. Policies: ours (docs/architecture.md §4: insert at the start, a
 *    checkpoint at most once a second of stream time, one final write), the tutorial pattern (an
 *    update every 150 characters: an insert plus 20 writes, the last one final) and, for scale,
 *    one write per delta. Engines: PGlite in a data folder on this thread (what the server runs),
 *    a real Postgres server (over a loopback socket) and a bench-only prototype of PGlite in a
 *    worker thread. Median database time of N replies per policy and engine, policies interleaved.
 * 2. A round: 3 agents' replies at once, their writes fired back to back from 3 concurrent chains.
 * 3. Event-loop delay while writes run in this process: idle (no load), a burst of 500 message
 *    inserts fired at once, the writes of a 3-agent round back to back, and that round paced at
 *    its stream times, for PGlite with no yield (the adapter before this bench), the shipped
 *    PGliteSql (a yield before every statement), PGlite in a worker thread (prototype) and the
 *    Postgres server.
 *
 * Results: tables on stdout, `bench/results/persistence.json`; docs/benchmarks.md by hand.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { migrate } from '../server/store/migrate.ts';
import { PgSql } from '../server/store/pg-sql.ts';
import { PGliteSql } from '../server/store/pglite-sql.ts';
import { seededRandom } from '../protocol/test-support/seeded-random.ts';
import { createPostgresStores, type PostgresStores } from '../server/store/postgres-stores.ts';
import { postHumanMessage } from '../server/store/store.ts';
import type { Sql } from '../server/store/sql.ts';
import { startPostgresServer, type PostgresServer } from '../test/helpers/postgres-server.ts';
import { EventLoopProbe, type EventLoopReport } from './lib/event-loop-probe.ts';
import { WorkerPGliteSql } from './lib/pglite-worker-sql.ts';
import { machineInfo, writeJson } from './lib/results.ts';
import { formatTable, round, type Cell } from './lib/table.ts';
import { RawPGliteSql } from './lib/raw-pglite-sql.ts';
import { readFlags } from './lib/flags.ts';

// ---------------------------------------------------------------------------------------------
// Options

const HELP = `npm run bench:persistence -- [options]
  --quick          fewer replies, shorter phases, the paced round at 4x speed (a smoke run, not for the docs)
  --replies=N      measured replies per policy and engine (default 20; one write per delta: N/4)
  --markdown       also print the tables as Markdown (for docs/benchmarks.md)
  --out=FILE       results file (default bench/results/persistence.json)`;

const flags = readFlags(HELP);
const quick = flags.has('quick');
const replies = Math.max(1, Number(flags.get('replies') ?? (quick ? 5 : 20)));
const options = {
  replyChars: 3000,
  deltaChars: [3, 5] as const,
  /** Time to the first delta (ms of stream time). */
  firstDeltaMs: 300,
  checkpointIntervalMs: 1000,
  baselineEveryChars: 150,
  /** Stream rates (characters/s) whose write counts are computed; DB time is measured at the two `measuredRates`. */
  rates: [30, 60, 120, 160, 240, 400, 800],
  measuredRates: [60, 240],
  /** The rate of the replies in rounds and event-loop phases: ~60 tokens/s, a hosted model's pace. */
  roundRate: 240,
  replies,
  perDeltaReplies: Math.max(1, Math.round(replies / 4)),
  warmupReplies: quick ? 1 : 3,
  rounds: quick ? 3 : 10,
  agentsPerRound: 3,
  agentOffsetsMs: [0, 350, 800],
  burstInserts: 500,
  idleMs: quick ? 500 : 2000,
  /** The paced round runs at this multiple of real time. */
  paceSpeedup: quick ? 4 : 1,
  markdown: flags.has('markdown'),
  out: flags.get('out') ?? 'bench/results/persistence.json',
};

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length === 0
    ? Number.NaN
    : sorted.length % 2
      ? sorted[middle]!
      : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
  );
};

// ---------------------------------------------------------------------------------------------
// A streamed reply on a virtual clock

const WORDS = (
  'the light scatters off molecules in the air and shorter wavelengths scatter more so the sky looks blue ' +
  'during the day while at sunset sunlight crosses more atmosphere which removes blue and leaves red orange ' +
  'Rayleigh scattering depends on the inverse fourth power of wavelength particles dust water droplets clouds ' +
  'appear white because larger droplets scatter all colours equally; this is Mie scattering, observed also in fog.'
).split(' ');

interface Delta {
  /** Stream time (ms) at which the delta arrives. */
  atMs: number;
  /** Content length after this delta. */
  chars: number;
  seq: number;
}

interface Stream {
  content: string;
  deltas: Delta[];
  durationMs: number;
}

/**
 * A reply of `options.replyChars` characters in deltas of 3–5 characters arriving at
 * `charsPerSecond` on average (each gap jittered ±50%). The text and the delta sizes depend only
 * on `seed`, so the same reply streamed at another rate has the same content and deltas.
 */
function makeStream(seed: number, charsPerSecond: number): Stream {
  const text = seededRandom(seed);
  const timing = seededRandom(seed ^ 0x5bd1e995);
  let content = '';
  while (content.length < options.replyChars)
    content += `${WORDS[Math.floor(text() * WORDS.length)]} `;
  content = content.slice(0, options.replyChars);
  const deltas: Delta[] = [];
  let chars = 0;
  let atMs = options.firstDeltaMs;
  const [smallest, largest] = options.deltaChars;
  while (chars < content.length) {
    const size = Math.min(
      content.length - chars,
      smallest + Math.floor(text() * (largest - smallest + 1)),
    );
    if (deltas.length > 0) atMs += (size / charsPerSecond) * 1000 * (0.5 + timing());
    chars += size;
    deltas.push({ atMs, chars, seq: deltas.length + 1 });
  }
  return { content, deltas, durationMs: atMs };
}

type Policy = 'ours' | 'every150' | 'everyDelta';
const POLICY_LABEL: Record<Policy, string> = {
  ours: 'ours: insert, ≤1 checkpoint/s, final',
  every150: 'every 150 chars (tutorial)',
  everyDelta: 'every delta (per token)',
};

interface PlannedWrite {
  kind: 'start' | 'checkpoint' | 'finish';
  atMs: number;
  chars: number;
  seq: number;
}

/** The writes `policy` makes for `stream`, decided from the timeline alone. */
function planWrites(policy: Policy, stream: Stream): PlannedWrite[] {
  const writes: PlannedWrite[] = [{ kind: 'start', atMs: 0, chars: 0, seq: 0 }];
  let lastWriteMs = 0;
  let lastWriteChars = 0;
  stream.deltas.forEach((delta, index) => {
    if (index === stream.deltas.length - 1) return; // the last delta is carried by the final write
    const due =
      policy === 'ours'
        ? delta.atMs - lastWriteMs >= options.checkpointIntervalMs
        : policy === 'every150'
          ? Math.floor(delta.chars / options.baselineEveryChars) >
            Math.floor(lastWriteChars / options.baselineEveryChars)
          : true;
    if (!due) return;
    writes.push({ kind: 'checkpoint', atMs: delta.atMs, chars: delta.chars, seq: delta.seq });
    lastWriteMs = delta.atMs;
    lastWriteChars = delta.chars;
  });
  const last = stream.deltas[stream.deltas.length - 1]!;
  writes.push({ kind: 'finish', atMs: last.atMs, chars: last.chars, seq: last.seq });
  return writes;
}

// ---------------------------------------------------------------------------------------------
// Engines

interface Engine {
  id: 'pglite' | 'pglite-yield' | 'pglite-worker' | 'postgres';
  label: string;
  store: PostgresStores;
}

const ENGINE_LABEL: Record<Engine['id'], string> = {
  pglite: 'PGlite, no yield (before)',
  'pglite-yield': 'PGlite, shipped (yields)',
  'pglite-worker': 'PGlite, worker (proto)',
  postgres: 'Postgres server',
};

const AGENTS = ['sage', 'quill', 'ember'].map((id) => ({
  kind: 'agent' as const,
  id,
  name: id[0]!.toUpperCase() + id.slice(1),
}));
const HUMAN = { kind: 'human' as const, id: 'bench-human', name: 'Bench' };

/** Runs `writes` back to back (or at their stream times divided by `pace`) and returns the elapsed ms. */
async function runReply(
  store: PostgresStores,
  roomId: string,
  stream: Stream,
  writes: readonly PlannedWrite[],
  agent = AGENTS[0]!,
  pace?: { t0: number; speedup: number; offsetMs: number },
): Promise<number> {
  const id = randomUUID();
  const started = performance.now();
  for (const write of writes) {
    if (pace)
      await sleep(pace.t0 + (pace.offsetMs + write.atMs) / pace.speedup - performance.now());
    const snapshot = { content: stream.content.slice(0, write.chars), parts: [], seq: write.seq };
    if (write.kind === 'start')
      await store.transcript.startAgentMessage({
        id,
        roomId,
        author: agent,
        replyTo: null,
        reason: 'mention',
        model: 'bench',
      });
    else if (write.kind === 'checkpoint')
      await store.transcript.checkpointAgentMessage(id, snapshot);
    else await store.transcript.finishAgentMessage(id, { ...snapshot, status: 'complete' });
  }
  return performance.now() - started;
}

async function prepare(store: PostgresStores, roomId: string): Promise<string> {
  await store.rooms.ensureRoom({ id: roomId, title: roomId });
  return roomId;
}

// ---------------------------------------------------------------------------------------------
// 1. Writes and database time per reply

interface ReplyCase {
  policy: Policy;
  rate: number;
  replies: number;
}

interface ReplyResult {
  engine: Engine['id'];
  policy: Policy;
  rate: number;
  replies: number;
  writes: number;
  kbWritten: number;
  dbMsMedian: number;
  dbMsP90: number;
  msPerWrite: number;
}

const REPLY_CASES: ReplyCase[] = [
  ...options.measuredRates.map((rate) => ({
    policy: 'ours' as const,
    rate,
    replies: options.replies,
  })),
  { policy: 'every150', rate: options.roundRate, replies: options.replies },
  { policy: 'everyDelta', rate: options.roundRate, replies: options.perDeltaReplies },
];

async function measureReplies(engine: Engine): Promise<ReplyResult[]> {
  const roomId = await prepare(engine.store, `bench-replies-${engine.id}`);
  for (let warmup = 0; warmup < options.warmupReplies; warmup += 1) {
    for (const replyCase of REPLY_CASES) {
      const stream = makeStream(900 + warmup, replyCase.rate);
      if (replyCase.policy !== 'everyDelta' || warmup === 0)
        await runReply(engine.store, roomId, stream, planWrites(replyCase.policy, stream));
    }
  }
  const samples = REPLY_CASES.map(() => ({
    ms: [] as number[],
    writes: [] as number[],
    chars: [] as number[],
  }));
  for (let iteration = 0; iteration < options.replies; iteration += 1) {
    for (let offset = 0; offset < REPLY_CASES.length; offset += 1) {
      const index = (iteration + offset) % REPLY_CASES.length; // rotate the order: no policy always runs first
      const replyCase = REPLY_CASES[index]!;
      if (iteration >= replyCase.replies) continue;
      const stream = makeStream(1000 + iteration, replyCase.rate);
      const writes = planWrites(replyCase.policy, stream);
      samples[index]!.ms.push(await runReply(engine.store, roomId, stream, writes));
      samples[index]!.writes.push(writes.length);
      samples[index]!.chars.push(writes.reduce((sum, write) => sum + write.chars, 0));
    }
  }
  return REPLY_CASES.map((replyCase, index) => {
    const sample = samples[index]!;
    const dbMsMedian = median(sample.ms);
    const writes = median(sample.writes);
    return {
      engine: engine.id,
      policy: replyCase.policy,
      rate: replyCase.rate,
      replies: sample.ms.length,
      writes,
      kbWritten: median(sample.chars) / 1000,
      dbMsMedian,
      dbMsP90: quantile(sample.ms, 0.9),
      msPerWrite: dbMsMedian / writes,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// 2. Rounds: 3 agents' replies at once

interface RoundResult {
  engine: Engine['id'];
  policy: Policy;
  rounds: number;
  writes: number;
  wallMsMedian: number;
  wallMsP90: number;
}

function roundStreams(round: number): Stream[] {
  return options.agentOffsetsMs
    .slice(0, options.agentsPerRound)
    .map((_, agent) => makeStream(2000 + round * 10 + agent, options.roundRate));
}

async function runRound(
  store: PostgresStores,
  roomId: string,
  policy: Policy,
  streams: Stream[],
  pace?: { speedup: number },
): Promise<{ ms: number; writes: number }> {
  const plans = streams.map((stream) => planWrites(policy, stream));
  const t0 = performance.now();
  await Promise.all(
    streams.map((stream, agent) =>
      runReply(
        store,
        roomId,
        stream,
        plans[agent]!,
        AGENTS[agent % AGENTS.length]!,
        pace
          ? { t0, speedup: pace.speedup, offsetMs: options.agentOffsetsMs[agent] ?? 0 }
          : undefined,
      ),
    ),
  );
  return { ms: performance.now() - t0, writes: plans.reduce((sum, plan) => sum + plan.length, 0) };
}

async function measureRounds(engine: Engine): Promise<RoundResult[]> {
  const roomId = await prepare(engine.store, `bench-rounds-${engine.id}`);
  const policies: Policy[] = ['ours', 'every150'];
  for (const policy of policies) await runRound(engine.store, roomId, policy, roundStreams(99));
  const samples = new Map<Policy, { ms: number[]; writes: number[] }>(
    policies.map((policy) => [policy, { ms: [], writes: [] }]),
  );
  for (let round = 0; round < options.rounds; round += 1) {
    for (const policy of round % 2 ? [...policies].reverse() : policies) {
      const result = await runRound(engine.store, roomId, policy, roundStreams(round));
      samples.get(policy)!.ms.push(result.ms);
      samples.get(policy)!.writes.push(result.writes);
    }
  }
  return policies.map((policy) => {
    const sample = samples.get(policy)!;
    return {
      engine: engine.id,
      policy,
      rounds: sample.ms.length,
      writes: median(sample.writes),
      wallMsMedian: median(sample.ms),
      wallMsP90: quantile(sample.ms, 0.9),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// 3. Event-loop delay during writes

interface LoopResult {
  phase: string;
  engine: Engine['id'] | 'none';
  writes: number;
  elapsedMs: number;
  loop: EventLoopReport;
}

async function probeDuring(
  phase: string,
  engine: Engine['id'] | 'none',
  workload: () => Promise<number>,
): Promise<LoopResult> {
  await sleep(50); // let earlier work settle
  const probe = new EventLoopProbe();
  probe.start();
  await sleep(20); // a few punctual ticks before the load starts
  const started = performance.now();
  const writes = await workload();
  const elapsedMs = performance.now() - started;
  const loop = await probe.stop();
  return { phase, engine, writes, elapsedMs, loop };
}

async function burstOfInserts(store: PostgresStores, roomId: string): Promise<number> {
  const text = seededRandom(7);
  await Promise.all(
    Array.from({ length: options.burstInserts }, (_, index) =>
      postHumanMessage(store, {
        id: randomUUID(),
        roomId,
        author: HUMAN,
        content: `message ${index}: ${Array.from({ length: 20 }, () => WORDS[Math.floor(text() * WORDS.length)]).join(' ')}`,
        runs: [],
      }),
    ),
  );
  return options.burstInserts;
}

/** Machine CPU (% of one core) during the idle phase, when this process does nothing: other load. */
let otherLoadDuringIdle = Number.NaN;

async function measureLoop(engines: Engine[]): Promise<LoopResult[]> {
  const results: LoopResult[] = [];
  const report = (result: LoopResult) => {
    results.push(result);
    const { loop } = result;
    console.log(
      `  ${result.phase.padEnd(34)} ${(ENGINE_LABEL[result.engine as Engine['id']] ?? '–').padEnd(28)} ${String(result.writes).padStart(4)} writes ${result.elapsedMs.toFixed(0).padStart(6)} ms` +
        `  tick p99 ${loop.tickLateness.p99.toFixed(2)} max ${loop.tickLateness.max.toFixed(1)}  arrival-wait p99 ${loop.arrivalWait.p99.toFixed(2)} ms  blocked ${loop.blockedPercent.toFixed(1)}%`,
    );
  };
  report(
    await probeDuring('idle (no load)', 'none', async () => {
      otherLoadDuringIdle = await machineBusyPercent(options.idleMs);
      return 0;
    }),
  );
  for (const engine of engines) {
    const roomId = await prepare(engine.store, `bench-loop-${engine.id}`);
    await burstOfInserts(engine.store, await prepare(engine.store, `bench-loop-warm-${engine.id}`)); // warm-up
    report(
      await probeDuring(`burst: ${options.burstInserts} inserts at once`, engine.id, () =>
        burstOfInserts(engine.store, roomId),
      ),
    );
    report(
      await probeDuring(
        'round: 3 replies, back to back',
        engine.id,
        async () => (await runRound(engine.store, roomId, 'ours', roundStreams(500))).writes,
      ),
    );
  }
  const pglite = engines.find((engine) => engine.id === 'pglite')!;
  const roomId = await prepare(pglite.store, 'bench-loop-paced');
  const speed = options.paceSpeedup === 1 ? 'real time' : `${options.paceSpeedup}x real time`;
  report(
    await probeDuring(
      `round: 3 replies, paced (${speed})`,
      'pglite',
      async () =>
        (
          await runRound(pglite.store, roomId, 'ours', roundStreams(501), {
            speedup: options.paceSpeedup,
          })
        ).writes,
    ),
  );
  return results;
}

// ---------------------------------------------------------------------------------------------
// Main

/** CPU the whole machine used (% of one core) over `ms`, while this process idles: other load that would disturb the run. */
async function machineBusyPercent(ms: number): Promise<number> {
  const busy = () =>
    os
      .cpus()
      .reduce(
        (sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq,
        0,
      );
  const before = busy();
  await sleep(ms);
  return (100 * (busy() - before)) / ms;
}

function pgliteVersion(): string {
  try {
    return (
      JSON.parse(
        readFileSync(
          path.join(repositoryRoot, 'node_modules/@electric-sql/pglite/package.json'),
          'utf8',
        ),
      ) as { version: string }
    ).version;
  } catch {
    return 'unknown';
  }
}

async function main() {
  const startedAt = new Date();
  const machine = machineInfo();
  console.log(
    `persistence benchmark on ${machine.cpus} x ${machine.cpuModel}, ${machine.platform}, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
  );

  const otherLoadPercent = await machineBusyPercent(1000);
  if (otherLoadPercent > 25)
    console.log(
      `  warning: other processes use ${Math.round(otherLoadPercent)}% of a core; the numbers will be disturbed`,
    );
  const folder = await mkdtemp(path.join(os.tmpdir(), 'chorus-bench-persistence-'));
  const closers: (() => Promise<unknown>)[] = [];
  let server: PostgresServer | undefined;
  try {
    const setupStarted = performance.now();
    const opened = <T extends Sql>(sql: T) => (closers.push(() => sql.close()), sql);
    // allSettled: when one fails, the others are still closed (an open worker would keep the process alive).
    const settled = await Promise.allSettled([
      PGliteSql.open(path.join(folder, 'pglite')).then(opened),
      WorkerPGliteSql.open(path.join(folder, 'pglite-worker')).then(opened),
      (async () => {
        server = await startPostgresServer();
        return opened(PgSql.connect(await server.createDatabase('chorus_bench')));
      })(),
    ]);
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const [pgliteSql, workerSql, postgres] = settled.map(
      (result) => (result as PromiseFulfilledResult<Sql>).value,
    ) as [PGliteSql, WorkerPGliteSql, PgSql];
    await Promise.all([migrate(pgliteSql), migrate(workerSql), migrate(postgres)]);
    console.log(
      `  PGlite ${pgliteVersion()} in data folders, PostgreSQL ${server!.version} (test-tuned: fsync off); set up in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
    );
    const engine = (id: Engine['id'], sql: Sql): Engine => ({
      id,
      label: ENGINE_LABEL[id],
      store: createPostgresStores(sql),
    });
    const pglite = engine('pglite', new RawPGliteSql(pgliteSql.db));
    const yielding = engine('pglite-yield', pgliteSql);
    const worker = engine('pglite-worker', workerSql);
    const pg = engine('postgres', postgres);

    // Write counts by stream rate (no database: decided from the timelines).
    const rateRows = options.rates.map((rate) => {
      const streams = Array.from({ length: 20 }, (_, index) => makeStream(1000 + index, rate));
      const writes = (policy: Policy) =>
        median(streams.map((stream) => planWrites(policy, stream).length));
      return {
        rate,
        tokensPerSecond: rate / 4,
        replySeconds: median(streams.map((stream) => stream.durationMs)) / 1000,
        ours: writes('ours'),
        every150: writes('every150'),
        everyDelta: writes('everyDelta'),
      };
    });

    console.log(
      `\n1. writes and database time per ${options.replyChars.toLocaleString('en')}-character reply (median of ${options.replies}; every delta: ${options.perDeltaReplies})`,
    );
    const replyResults: ReplyResult[] = [];
    for (const each of [pglite, pg, worker]) {
      const rows = await measureReplies(each);
      replyResults.push(...rows);
      for (const row of rows)
        console.log(
          `  ${each.label.padEnd(28)} ${POLICY_LABEL[row.policy].padEnd(38)} @${row.rate} c/s  ${row.writes} writes  ${row.dbMsMedian.toFixed(1)} ms`,
        );
    }

    console.log(
      `\n2. a round: ${options.agentsPerRound} replies at once, writes back to back (median of ${options.rounds})`,
    );
    const roundResults: RoundResult[] = [];
    for (const each of [pglite, pg, worker]) {
      const rows = await measureRounds(each);
      roundResults.push(...rows);
      for (const row of rows)
        console.log(
          `  ${each.label.padEnd(28)} ${POLICY_LABEL[row.policy].padEnd(38)} ${row.writes} writes  ${row.wallMsMedian.toFixed(1)} ms`,
        );
    }

    console.log('\n3. event-loop delay while writes run');
    const loopResults = await measureLoop([pglite, yielding, worker, pg]);

    // Tables
    const baselineOf = (result: ReplyResult) =>
      replyResults.find((other) => other.engine === result.engine && other.policy === 'every150')!;
    const replyTable: Cell[][] = replyResults.map((result) => {
      const baseline = baselineOf(result);
      return [
        ENGINE_LABEL[result.engine],
        POLICY_LABEL[result.policy],
        result.policy === 'ours' ? result.rate : '–',
        result.writes,
        round(result.kbWritten),
        round(result.dbMsMedian),
        round(result.msPerWrite),
        round(result.writes / baseline.writes),
        round(result.dbMsMedian / baseline.dbMsMedian),
      ];
    });
    const replyHeaders = [
      'engine',
      'policy',
      'stream c/s',
      'writes/reply',
      'KB sent',
      'DB ms/reply (median)',
      'ms/write',
      'writes ÷ tutorial',
      'DB time ÷ tutorial',
    ];
    const rateHeaders = [
      'stream c/s',
      '≈ tokens/s',
      'reply s',
      'ours',
      'every 150 chars',
      'every delta',
      'ours ÷ tutorial',
      'ours writes/s',
      'tutorial writes/s',
    ];
    const rateTable: Cell[][] = rateRows.map((row) => [
      row.rate,
      row.tokensPerSecond,
      round(row.replySeconds),
      row.ours,
      row.every150,
      row.everyDelta,
      round(row.ours / row.every150),
      round(row.ours / row.replySeconds),
      round(row.every150 / row.replySeconds),
    ]);
    const roundHeaders = ['engine', 'policy', 'writes/round', 'wall ms (median)', 'wall ms (p90)'];
    const roundTable: Cell[][] = roundResults.map((row) => [
      ENGINE_LABEL[row.engine],
      POLICY_LABEL[row.policy],
      row.writes,
      round(row.wallMsMedian),
      round(row.wallMsP90),
    ]);
    const loopHeaders = [
      'phase',
      'engine',
      'writes',
      'elapsed ms',
      'tick p50',
      'tick p99',
      'tick max',
      'arrival wait p99',
      'blocked %',
    ];
    const loopTable: Cell[][] = loopResults.map((row) => [
      row.phase,
      row.engine === 'none' ? '–' : ENGINE_LABEL[row.engine],
      row.writes,
      round(row.elapsedMs),
      round(row.loop.tickLateness.p50),
      round(row.loop.tickLateness.p99),
      round(row.loop.tickLateness.max),
      round(row.loop.arrivalWait.p99),
      round(row.loop.blockedPercent),
    ]);
    const tables = [
      {
        title: `Writes per ${options.replyChars.toLocaleString('en')}-character reply by stream rate (from the timelines)`,
        headers: rateHeaders,
        rows: rateTable,
      },
      {
        title: `Database time per reply, writes back to back (median of ${options.replies}; every delta: ${options.perDeltaReplies})`,
        headers: replyHeaders,
        rows: replyTable,
      },
      {
        title: `A round: ${options.agentsPerRound} replies at ${options.roundRate} c/s at once, writes back to back (median of ${options.rounds})`,
        headers: roundHeaders,
        rows: roundTable,
      },
      {
        title:
          'Event-loop delay (ms) while writes run; tick = 1 ms probe lateness, arrival wait = extra delay of a frame arriving at a random moment',
        headers: loopHeaders,
        rows: loopTable,
      },
    ];
    for (const table of tables)
      console.log(`\n${table.title}\n${formatTable(table.headers, table.rows)}`);
    if (options.markdown)
      for (const table of tables)
        console.log(`\n${table.title}\n\n${formatTable(table.headers, table.rows, 'markdown')}`);

    await writeJson(path.join(repositoryRoot, options.out), {
      benchmark: 'persistence',
      command: `npm run bench:persistence${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      startedAt: startedAt.toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      machine: {
        ...machine,
        otherLoadPercent: {
          atStart: Math.round(otherLoadPercent),
          duringIdlePhase: Math.round(otherLoadDuringIdle),
        },
      },
      versions: { pglite: pgliteVersion(), postgres: server!.version },
      options,
      writesByRate: rateRows,
      replies: replyResults,
      rounds: roundResults,
      eventLoop: loopResults,
    });
    if (Math.max(otherLoadPercent, otherLoadDuringIdle) > 25) {
      console.log(
        `\nwarning: other processes used ${Math.round(otherLoadPercent)}% of a core at the start and ${Math.round(otherLoadDuringIdle)}% during the idle phase: run again on a quiet machine`,
      );
    }
    console.log(
      `\nwrote ${options.out} in ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s`,
    );
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await (server as PostgresServer | undefined)?.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
