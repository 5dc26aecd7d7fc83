/**
 * Hub fan-out benchmark: `npm run bench:hub-fanout` (add `-- --help` for options).
 *
 * The servers (the Realtime hub, and a bare `ws` relay as the baseline) each run in a child
 * process; this process is the load. For each server: 500 vsn 2.0.0 subscribers joined to the
 * private `room:bench` channel with a widget token, and 3 service-role publishers sending
 * ~150-byte JSON broadcasts as kind 3 frames, the way realtime-js does. Each message carries
 * its publisher, sequence number and scheduled send time, so every subscriber checks loss,
 * duplication and latency (from the scheduled time, so a late sender counts against latency).
 *
 * Phases: 3 x 25 msg/s for 10 s (three agents streaming), then the rate doubles every 5 s until
 * saturation, then two bisection steps. Hub and bare phases alternate, so both see the same
 * machine; phases that other processes disturb are run again. Before that, a fresh process per
 * server measures memory per idle connection (2,000 joined sockets).
 *
 * Results: a table on stdout, `bench/results/hub-fanout.json`, and docs/benchmarks.md (by hand).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import {
  BENCH_ROOM,
  startFanoutServer,
  type ServerCommand,
  type ServerKind,
  type ServerMessage,
  type ServerRequest,
  type ServerUsage,
} from './lib/fanout-server.ts';
import { exposeGc } from './lib/gc.ts';
import { LatencyHistogram } from './lib/histogram.ts';
import { LeanWebSocket } from './lib/lean-websocket.ts';
import { machineInfo, openFileLimit, writeJson } from './lib/results.ts';
import { formatTable, round, type Cell } from './lib/table.ts';
import { readFlags } from './lib/flags.ts';

// ---------------------------------------------------------------------------------------------
// Options

const HELP = `npm run bench:hub-fanout -- [options]
  --quick            short phases and 500 idle sockets (a smoke run, not for the docs)
  --client=lean|ws   subscriber client: a minimal frame parser (default) or the ws library
  --layout=split|same  server in a child process (default) or in this process
  --servers=hub,bare which servers to run (default both)
  --profile          write CPU profiles of the fan-out server processes to bench/results/profiles/
  --out=FILE         results file, relative to the repository (default bench/results/hub-fanout.json)`;

const flags = readFlags(HELP);
const quick = flags.has('quick');
const options = {
  subscribers: 500,
  publishers: 3,
  baseRate: 25,
  baseSeconds: quick ? 3 : 10,
  stepSeconds: quick ? 2 : 5,
  warmupSeconds: quick ? 1 : 2,
  maxRate: 12_800,
  refineSteps: 2,
  idleConnections: quick ? 500 : 2000,
  client: flags.get('client') === 'ws' ? ('ws' as const) : ('lean' as const),
  layout: flags.get('layout') === 'same' ? ('same' as const) : ('split' as const),
  servers: (flags.get('servers') ?? 'hub,bare')
    .split(',')
    .filter((kind): kind is ServerKind => kind === 'hub' || kind === 'bare'),
  profile: flags.has('profile'),
  out: flags.get('out') ?? 'bench/results/hub-fanout.json',
};
const TOPIC = `realtime:room:${BENCH_ROOM}`;
const EVENT = 'text-delta';
const TARGETS = { p99AtShapeMs: 50, saturationRatio: 0.7, idleKbPerConnection: 50 };
/** A phase during which other processes used more than this (% of one core) is run again. */
const DISTURBED_PERCENT = 15;
const MAX_RERUNS_PER_SERVER = 4;
/** No reruns after this many seconds, to keep the whole run near 3 minutes. */
const RERUN_DEADLINE_SECONDS = 140;
const benchStartedAt = performance.now();

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const serverEntry = fileURLToPath(new URL('./lib/fanout-server.ts', import.meta.url));
const collectGarbage = exposeGc();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

// ---------------------------------------------------------------------------------------------
// Servers: a child process (honest on 2 cores: one core each for server and load) or in-process

interface ServerHandle {
  kind: ServerKind;
  subscriberUrl: string;
  publisherUrl: string;
  roomToken: string;
  usage(withGc?: boolean): Promise<ServerUsage>;
  close(): Promise<void>;
}

async function launch(
  kind: ServerKind,
  layout: 'split' | 'same',
  profile: boolean,
): Promise<ServerHandle> {
  if (layout === 'same') {
    const server = await startFanoutServer(kind);
    return { ...server, usage: (withGc = false) => server.usage(withGc) };
  }
  const execArgv = [...process.execArgv, '--expose-gc'];
  if (profile)
    execArgv.push(
      '--cpu-prof',
      `--cpu-prof-dir=${path.join(repositoryRoot, 'bench/results/profiles')}`,
    );
  const child = fork(serverEntry, [kind], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (result: unknown) => void>();
  let nextId = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Extract<ServerMessage, { type: 'ready' }>>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`${kind} server exited with ${code} before it was ready`)),
    );
    child.on('message', (message: ServerMessage) => {
      if (message.type === 'ready') resolve(message);
      else {
        waiting.get(message.id)?.(message.result);
        waiting.delete(message.id);
      }
    });
  });
  const request = <T>(body: ServerCommand) =>
    new Promise<T>((resolve) => {
      nextId += 1;
      waiting.set(nextId, (result) => resolve(result as T));
      child.send({ ...body, id: nextId } as ServerRequest);
    });
  return {
    kind,
    subscriberUrl: ready.subscriberUrl,
    publisherUrl: ready.publisherUrl,
    roomToken: ready.roomToken,
    usage: (withGc = false) => request<ServerUsage>({ command: 'usage', collectGarbage: withGc }),
    close: async () => {
      await request({ command: 'exit' });
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Clients

interface Client {
  send(data: string | Buffer): void;
  close(): void;
  readonly closed: boolean;
}

type OnFrame = (payload: Buffer, binary: boolean) => void;

async function connect(url: string, onFrame: OnFrame, kind: 'lean' | 'ws'): Promise<Client> {
  if (kind === 'lean')
    return LeanWebSocket.connect(url, (payload, opcode) => onFrame(payload, opcode === 2));
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('message', (data: WebSocket.RawData, isBinary: boolean) =>
    onFrame(data as Buffer, isBinary),
  );
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    send: (data) => ws.send(data),
    close: () => ws.terminate(),
    get closed() {
      return ws.readyState !== WebSocket.OPEN;
    },
  };
}

/** Opens `count` sockets, 100 at a time; for the hub each joins `room:bench` and waits for its ok. */
async function openSockets(
  server: ServerHandle,
  count: number,
  options: {
    url: string;
    token?: string;
    onBinary: (index: number, payload: Buffer) => void;
    client: 'lean' | 'ws';
  },
): Promise<Client[]> {
  const clients: Client[] = [];
  for (let start = 0; start < count; start += 100) {
    const batch = Array.from({ length: Math.min(100, count - start) }, async (_, offset) => {
      const index = start + offset;
      let joined: (status: string) => void = () => {};
      const reply = new Promise<string>((resolve) => (joined = resolve));
      const client = await connect(
        options.url,
        (payload, binary) => {
          if (binary) options.onBinary(index, payload);
          else if (payload.includes('"phx_reply"') && payload.includes('"join"'))
            joined(JSON.parse(payload.toString('utf8'))[4]?.status);
        },
        options.client,
      );
      if (server.kind === 'hub') {
        const payload = {
          config: {
            broadcast: { self: false, ack: false },
            presence: { enabled: false },
            private: true,
          },
          ...(options.token ? { access_token: options.token } : {}),
        };
        client.send(JSON.stringify(['join', 'join', TOPIC, 'phx_join', payload]));
        const status = await Promise.race([reply, sleep(10_000).then(() => 'timeout')]);
        if (status !== 'ok') throw new Error(`join ${index} answered ${status}`);
      }
      clients[index] = client;
    });
    await Promise.all(batch);
  }
  return clients;
}

// ---------------------------------------------------------------------------------------------
// Messages: ~150 bytes of JSON with fixed-offset fields, so subscribers read them without parsing

const PADDING = 'the quick brown fox streams a reply token by token to five hundred readers';
const body = (publisher: string, seq: string, micros: string) =>
  `{"p":"${publisher}","s":"${seq}","t":"${micros}","type":"${EVENT}","text":"${PADDING}"}`;
const PROBE = body('P', 'S'.repeat(10), 'T'.repeat(15));
const OFFSET = {
  publisher: PROBE.indexOf('P'),
  seq: PROBE.indexOf('S'),
  micros: PROBE.indexOf('T'),
};
const topicBytes = Buffer.from(TOPIC);
const eventBytes = Buffer.from(EVENT);

function messageBody(publisher: number, seq: number, scheduledMs: number): Buffer {
  return Buffer.from(
    body(
      String(publisher),
      String(seq).padStart(10, '0'),
      String(Math.round(scheduledMs * 1000)).padStart(15, '0'),
    ),
  );
}

/** What a realtime-js client sends: a kind 3 user broadcast push. */
function kind3(joinRef: string, ref: string, payload: Buffer): Buffer {
  const join = Buffer.from(joinRef);
  const reference = Buffer.from(ref);
  const header = Buffer.from([
    3,
    join.length,
    reference.length,
    topicBytes.length,
    eventBytes.length,
    0,
    1,
  ]);
  return Buffer.concat([header, join, reference, topicBytes, eventBytes, payload]);
}

/** What the hub delivers (kind 4); the bare relay's publishers send exactly these bytes. */
function kind4(payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from([4, topicBytes.length, eventBytes.length, 0, 1]),
    topicBytes,
    eventBytes,
    payload,
  ]);
}

function readDigits(buffer: Buffer, start: number, length: number): number {
  let value = 0;
  for (let index = start; index < start + length; index += 1)
    value = value * 10 + (buffer[index]! - 48);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Phases

interface PhaseResult {
  server: ServerKind;
  label: string;
  ratePerPublisher: number;
  seconds: number;
  offeredMessagesPerSecond: number;
  offeredDeliveriesPerSecond: number;
  deliveriesPerSecond: number;
  sent: number;
  expectedDeliveries: number;
  delivered: number;
  lost: number;
  duplicated: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  drainMs: number;
  serverCpuPercent: number;
  serverLoopPercent: number;
  clientCpuPercent: number;
  /** The kernel's share of the client's CPU (socket reads and writes). */
  clientSystemPercent: number;
  /** CPU used on the machine by anything else (other processes), in % of one core: noise. */
  otherCpuPercent: number;
  /** Kernel network processing in softirq context (loopback TCP), counted in no process: % of one core. */
  softirqPercent: number;
  /** CPU the hypervisor gave to other guests (steal): % of one core. */
  stealPercent: number;
  /** Server CPU time per delivery: what a delivery costs the server, whoever limits the phase. */
  serverMicrosPerDelivery: number;
  disconnected: number;
  /** Other processes used over DISTURBED_PERCENT of a core during the phase (after any rerun). */
  disturbed: boolean;
  saturation: string | null;
}

/** Deliveries of one phase: a bit per (subscriber, publisher, seq), and a latency histogram. */
class PhaseRecorder {
  readonly histogram = new LatencyHistogram();
  delivered = 0;
  duplicated = 0;
  inWindow = 0;
  windowStart = Number.POSITIVE_INFINITY;
  windowEnd = Number.POSITIVE_INFINITY;
  private readonly seen: Uint32Array;

  constructor(
    readonly firstSeq: number,
    readonly perPublisher: number,
    private readonly subscribers: number,
    private readonly publishers: number,
  ) {
    this.seen = new Uint32Array(Math.ceil((subscribers * publishers * perPublisher) / 32));
  }

  owns(seq: number): boolean {
    return seq >= this.firstSeq && seq < this.firstSeq + this.perPublisher;
  }

  record(subscriber: number, publisher: number, seq: number, latencyMs: number, now: number): void {
    const bit =
      (subscriber * this.publishers + publisher) * this.perPublisher + (seq - this.firstSeq);
    const mask = 1 << (bit & 31);
    if (this.seen[bit >>> 5]! & mask) {
      this.duplicated += 1;
      return;
    }
    this.seen[bit >>> 5]! |= mask;
    this.delivered += 1;
    this.histogram.record(latencyMs);
    if (now <= this.windowEnd) this.inWindow += 1;
  }
}

interface Stage {
  server: ServerHandle;
  subscribers: Client[];
  publishers: Client[];
  recorders: PhaseRecorder[];
  nextSeq: number;
  frame: (publisher: number, seq: number, scheduledMs: number) => Buffer;
  disconnected: () => number;
}

async function setUpFanout(server: ServerHandle): Promise<Stage> {
  const recorders: PhaseRecorder[] = [];
  const onDelivery = (subscriber: number, payload: Buffer) => {
    const now = performance.now();
    if (payload[0] !== 4) return;
    const start = 5 + payload[1]! + payload[2]! + payload[3]!;
    const publisher = payload[start + OFFSET.publisher]! - 48;
    const seq = readDigits(payload, start + OFFSET.seq, 10);
    const latencyMs = now - readDigits(payload, start + OFFSET.micros, 15) / 1000;
    for (
      let index = recorders.length - 1;
      index >= 0 && index >= recorders.length - 2;
      index -= 1
    ) {
      const recorder = recorders[index]!;
      if (recorder.owns(seq)) return recorder.record(subscriber, publisher, seq, latencyMs, now);
    }
  };
  const subscribers = await openSockets(server, options.subscribers, {
    url: server.subscriberUrl,
    token: server.roomToken,
    onBinary: onDelivery,
    client: options.client,
  });
  const publishers = await openSockets(server, options.publishers, {
    url: server.publisherUrl,
    onBinary: () => {},
    client: 'lean',
  });
  const frame =
    server.kind === 'hub'
      ? (publisher: number, seq: number, scheduledMs: number) =>
          kind3('join', String(seq), messageBody(publisher, seq, scheduledMs))
      : (publisher: number, seq: number, scheduledMs: number) =>
          kind4(messageBody(publisher, seq, scheduledMs));
  return {
    server,
    subscribers,
    publishers,
    recorders,
    nextSeq: 1,
    frame,
    disconnected: () => subscribers.filter((client) => client.closed).length,
  };
}

/** Publishes at `rate` per publisher for `seconds`, waits for the deliveries, and reports. */
async function runPhase(
  stage: Stage,
  label: string,
  rate: number,
  seconds: number,
): Promise<PhaseResult> {
  const publisherCount = stage.publishers.length;
  const perPublisher = Math.round(rate * seconds);
  const recorder = new PhaseRecorder(
    stage.nextSeq,
    perPublisher,
    stage.subscribers.length,
    publisherCount,
  );
  stage.nextSeq += perPublisher;
  stage.recorders.push(recorder);
  const interval = 1000 / rate;
  // Start each phase from a clean heap on both sides, so a major GC is less likely inside it.
  collectGarbage();
  const serverBefore = await stage.server.usage(true);
  const clientBefore = process.cpuUsage();
  const machineBefore = machineCpu();
  const start = performance.now() + 5;
  recorder.windowStart = start;
  recorder.windowEnd = start + seconds * 1000;
  const sent = new Array<number>(publisherCount).fill(0);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      let done = true;
      for (let publisher = 0; publisher < publisherCount; publisher += 1) {
        const offset = (interval * publisher) / publisherCount; // publishers are staggered
        while (
          sent[publisher]! < perPublisher &&
          start + offset + sent[publisher]! * interval <= now
        ) {
          const seq = recorder.firstSeq + sent[publisher]!;
          stage.publishers[publisher]!.send(
            stage.frame(publisher, seq, start + offset + sent[publisher]! * interval),
          );
          sent[publisher]! += 1;
        }
        if (sent[publisher]! < perPublisher) done = false;
      }
      if (done) resolve();
      else setTimeout(tick, 1);
    };
    setTimeout(tick, 5);
  });
  await sleep(recorder.windowEnd - performance.now());
  const clientCpu = process.cpuUsage(clientBefore);
  const machineAfter = machineCpu();
  const machineMs = machineAfter.processMs - machineBefore.processMs;
  const windowMs = performance.now() - start;
  // A saturated server answers this only after its backlog: its CPU share stays a fair average.
  const serverAfter = await stage.server.usage();
  const serverCpuMs = (serverAfter.cpuMicros - serverBefore.cpuMicros) / 1000;
  const clientCpuMs = (clientCpu.user + clientCpu.system) / 1000;
  // The server runs in this process with --layout=same: its CPU is already in the client's.
  const ownCpuMs = options.layout === 'same' ? clientCpuMs : serverCpuMs + clientCpuMs;

  // Drain: wait for every delivery, or until nothing arrives for 2 s.
  const expected = perPublisher * publisherCount * stage.subscribers.length;
  const drainStart = recorder.windowEnd;
  let lastCount = recorder.delivered;
  let lastProgress = performance.now();
  while (recorder.delivered < expected && performance.now() - lastProgress < 2000) {
    await sleep(20);
    if (recorder.delivered !== lastCount) {
      lastCount = recorder.delivered;
      lastProgress = performance.now();
    }
  }
  const drainMs = performance.now() - drainStart;
  const histogram = recorder.histogram;
  const loopDelta =
    serverAfter.active - serverBefore.active + (serverAfter.idle - serverBefore.idle);
  return {
    server: stage.server.kind,
    label,
    ratePerPublisher: rate,
    seconds,
    offeredMessagesPerSecond: rate * publisherCount,
    offeredDeliveriesPerSecond: rate * publisherCount * stage.subscribers.length,
    deliveriesPerSecond: recorder.inWindow / (seconds || 1),
    sent: perPublisher * publisherCount,
    expectedDeliveries: expected,
    delivered: recorder.delivered,
    lost: expected - recorder.delivered,
    duplicated: recorder.duplicated,
    latencyMs: {
      p50: histogram.percentile(0.5),
      p95: histogram.percentile(0.95),
      p99: histogram.percentile(0.99),
      max: histogram.maxMs,
      mean: histogram.meanMs,
    },
    drainMs,
    serverCpuPercent: (serverCpuMs / (serverAfter.at - serverBefore.at)) * 100,
    serverLoopPercent:
      loopDelta > 0 ? ((serverAfter.active - serverBefore.active) / loopDelta) * 100 : Number.NaN,
    clientCpuPercent: (clientCpuMs / windowMs) * 100,
    clientSystemPercent: (clientCpu.system / 1000 / windowMs) * 100,
    otherCpuPercent: Math.max(0, ((machineMs - ownCpuMs) / windowMs) * 100),
    softirqPercent: ((machineAfter.softirqMs - machineBefore.softirqMs) / windowMs) * 100,
    stealPercent: ((machineAfter.stealMs - machineBefore.stealMs) / windowMs) * 100,
    serverMicrosPerDelivery: (serverCpuMs * 1000) / Math.max(1, recorder.inWindow),
    disconnected: stage.disconnected(),
    disturbed: Math.max(0, ((machineMs - ownCpuMs) / windowMs) * 100) > DISTURBED_PERCENT,
    saturation: null,
  };
}

/**
 * CPU time of the whole machine, all cores, in ms: what processes used (user, nice, system), and,
 * from /proc/stat on Linux, softirq and steal time, which no process is charged for.
 */
function machineCpu(): { processMs: number; softirqMs: number; stealMs: number } {
  try {
    // cpu  user nice system idle iowait irq softirq steal … (in USER_HZ ticks, 100 per second)
    const fields = readFileSync('/proc/stat', 'latin1')
      .split('\n', 1)[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const tick = 10;
    return {
      processMs: (fields[0]! + fields[1]! + fields[2]!) * tick,
      softirqMs: fields[6]! * tick,
      stealMs: (fields[7] ?? 0) * tick,
    };
  } catch {
    const processMs = os
      .cpus()
      .reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys, 0);
    return { processMs, softirqMs: 0, stealMs: 0 };
  }
}

/** Waits (up to `maxMs`) until other processes leave the machine nearly idle; returns their load. */
async function waitForQuiet(maxMs: number): Promise<number> {
  const deadline = performance.now() + maxMs;
  let load: number;
  do {
    const before = machineCpu().processMs;
    await sleep(500);
    load = ((machineCpu().processMs - before) / 500) * 100;
  } while (load > 15 && performance.now() < deadline);
  return load;
}

function saturationOf(result: PhaseResult, previous: PhaseResult | undefined): string | null {
  if (result.lost > 0 || result.duplicated > 0 || result.disconnected > 0) return 'loss';
  if (result.latencyMs.p99 > 1000) return 'p99 > 1 s';
  if (result.deliveriesPerSecond < 0.9 * result.offeredDeliveriesPerSecond)
    return 'below 90% of offered';
  if (previous && result.deliveriesPerSecond < previous.deliveriesPerSecond * 1.1)
    return 'no growth';
  return null;
}

/** One server under test: its clients, its results so far, and its saturation search. */
interface Lane {
  kind: ServerKind;
  server: ServerHandle;
  stage: Stage;
  results: PhaseResult[];
  reruns: number;
}

/** Runs a phase when the machine is quiet, and again (within a budget) if other processes disturbed it. */
async function measure(
  lane: Lane,
  rate: number,
  seconds: number,
  previous: PhaseResult | undefined,
): Promise<PhaseResult> {
  const label = `${options.publishers} x ${rate}/s`;
  await waitForQuiet(5_000);
  let result = await runPhase(lane.stage, label, rate, seconds);
  const mayRerun = () =>
    lane.reruns < MAX_RERUNS_PER_SERVER &&
    performance.now() - benchStartedAt < RERUN_DEADLINE_SECONDS * 1000;
  while (result.disturbed && mayRerun()) {
    lane.reruns += 1;
    console.log(
      `  ${lane.kind.padEnd(4)} ${label.padEnd(12)} disturbed (other processes used ${Math.round(result.otherCpuPercent)}% of a core): running it again`,
    );
    await waitForQuiet(8_000);
    result = await runPhase(lane.stage, label, rate, seconds);
  }
  result.saturation = saturationOf(result, previous);
  // A phase that other processes slowed down says nothing about saturation: it ends the search.
  if (result.saturation && result.disturbed)
    result.saturation = `inconclusive (disturbed; ${result.saturation})`;
  lane.results.push(result);
  report(result);
  return result;
}

/**
 * The shape phase, then doubling rates until saturation, then bisection between the last
 * sustained rate and the first saturated one (doubling alone is coarse). Yields after each phase.
 */
async function* searchSaturation(lane: Lane): AsyncGenerator<void> {
  let last = await measure(lane, options.baseRate, options.baseSeconds, undefined);
  yield;
  let rate = options.baseRate;
  while (!last.saturation && rate * 2 <= options.maxRate) {
    rate *= 2;
    last = await measure(lane, rate, options.stepSeconds, last);
    yield;
  }
  const conclusive = (result: PhaseResult) => !result.saturation?.startsWith('inconclusive');
  let low = rate / 2;
  let high = rate;
  if (!last.saturation || !conclusive(last)) return;
  for (let step = 0; step < options.refineSteps && high / low > 1.2; step += 1) {
    const middle = Math.round((low + high) / 2);
    const probe = await measure(lane, middle, options.stepSeconds, undefined);
    yield;
    if (!conclusive(probe)) return;
    if (probe.saturation) high = middle;
    else low = middle;
  }
}

/**
 * Runs every server's saturation search with their phases interleaved (hub, bare, bare, hub, …),
 * so that both see the same conditions on a shared machine whose speed drifts.
 */
async function runFanouts(kinds: ServerKind[]): Promise<Record<string, PhaseResult[]>> {
  const lanes: Lane[] = [];
  // Realtime clients heartbeat every 25 s, and the hub drops sockets idle for 60 s. The bare
  // relay would forward heartbeats to everyone, and it has no idle timeout, so it gets none.
  const heartbeat = setInterval(() => {
    for (const lane of lanes) {
      if (lane.kind !== 'hub') continue;
      for (const client of [...lane.stage.subscribers, ...lane.stage.publishers])
        client.send('[null,"hb","phoenix","heartbeat",{}]');
    }
  }, 20_000);
  try {
    for (const kind of kinds) {
      const server = await launch(kind, options.layout, options.profile);
      const stage = await setUpFanout(server).catch(async (error: unknown) => {
        await server.close();
        throw error;
      });
      lanes.push({ kind, server, stage, results: [], reruns: 0 });
    }
    for (const lane of lanes)
      await runPhase(lane.stage, 'warm-up', options.baseRate, options.warmupSeconds);
    let searches = lanes.map((lane) => searchSaturation(lane));
    for (let round = 0; searches.length > 0; round += 1) {
      const finished = new Set<AsyncGenerator<void>>();
      for (const search of round % 2 === 0 ? searches : [...searches].reverse()) {
        if ((await search.next()).done) finished.add(search);
      }
      searches = searches.filter((search) => !finished.has(search));
    }
  } finally {
    clearInterval(heartbeat);
    for (const lane of lanes) {
      for (const client of [...lane.stage.subscribers, ...lane.stage.publishers]) client.close();
      await lane.server.close();
    }
  }
  return Object.fromEntries(lanes.map((lane) => [lane.kind, lane.results]));
}

function report(result: PhaseResult): void {
  const { p50, p99 } = result.latencyMs;
  console.log(
    `  ${result.server.padEnd(4)} ${result.label.padEnd(12)} ${Math.round(result.deliveriesPerSecond).toLocaleString('en-US').padStart(9)} deliveries/s` +
      `  p50 ${round(p50)} ms  p99 ${round(p99)} ms  lost ${result.lost}  dup ${result.duplicated}` +
      `  server CPU ${Math.round(result.serverCpuPercent)}% (${round(result.serverMicrosPerDelivery)} µs/delivery)  client CPU ${Math.round(result.clientCpuPercent)}% (sys ${Math.round(result.clientSystemPercent)}%)  softirq ${Math.round(result.softirqPercent)}%  other ${Math.round(result.otherCpuPercent)}%${result.saturation ? `  -> saturated (${result.saturation})` : ''}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Memory per idle connection

interface MemoryResult {
  server: ServerKind;
  connections: number;
  before: ServerUsage;
  after: ServerUsage;
  perConnectionKb: { rss: number; heapUsed: number; external: number };
}

async function measureIdleMemory(kind: ServerKind): Promise<MemoryResult> {
  const server = await launch(kind, 'split', false);
  try {
    await sleep(500);
    const before = await server.usage(true);
    const clients = await openSockets(server, options.idleConnections, {
      url: server.subscriberUrl,
      token: server.roomToken,
      onBinary: () => {},
      client: 'lean',
    });
    await sleep(1000);
    const after = await server.usage(true);
    for (const client of clients) client.close();
    const perConnection = (field: 'rss' | 'heapUsed' | 'external') =>
      (after[field] - before[field]) / options.idleConnections / 1024;
    const result = {
      server: kind,
      connections: after.connections,
      before,
      after,
      perConnectionKb: {
        rss: perConnection('rss'),
        heapUsed: perConnection('heapUsed'),
        external: perConnection('external'),
      },
    };
    console.log(
      `  ${kind.padEnd(4)} ${options.idleConnections} idle sockets: ${round(result.perConnectionKb.rss)} KB RSS, ${round(result.perConnectionKb.heapUsed)} KB heap per connection`,
    );
    return result;
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Main

function checkFileLimit(): void {
  const limit = openFileLimit();
  const fanoutSockets = options.servers.length * (options.subscribers + options.publishers);
  const needed = Math.max(options.idleConnections, fanoutSockets) + 256;
  if (Number.isNaN(limit) || limit < needed) {
    console.error(
      `error: the open-file limit is ${Number.isNaN(limit) ? 'unknown' : limit}, and this benchmark needs at least ${needed} ` +
        `(${options.idleConnections} idle sockets, then ${fanoutSockets} fan-out sockets, in this process and the servers').\n` +
        `Raise it in your shell and run again:  ulimit -n 65535`,
    );
    process.exit(1);
  }
}

async function main(): Promise<void> {
  checkFileLimit();
  const startedAt = new Date();
  const machine = machineInfo();
  console.log(
    `hub fan-out benchmark on ${machine.cpus} x ${machine.cpuModel}, ${machine.platform}, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
  );
  console.log(
    `  ${options.subscribers} subscribers, ${options.publishers} publishers, ${options.client} clients, server ${options.layout === 'split' ? 'in a child process' : 'in this process'}`,
  );

  const memory: MemoryResult[] = [];
  console.log('\nmemory per idle connection');
  for (const kind of options.servers) memory.push(await measureIdleMemory(kind));

  console.log(`\nfan-out (${options.servers.join(' and ')} phases interleaved)`);
  const phases = await runFanouts(options.servers);

  const hub = phases.hub ?? [];
  const bare = phases.bare ?? [];
  /** The most deliveries/s a server sustained (a phase that did not saturate it). */
  const saturation = (results: PhaseResult[]) =>
    Math.max(
      0,
      ...results.filter((result) => !result.saturation).map((result) => result.deliveriesPerSecond),
    );
  const peak = (results: PhaseResult[]) =>
    Math.max(0, ...results.map((result) => result.deliveriesPerSecond));
  const hubMemory = memory.find((result) => result.server === 'hub');
  const shape = hub[0];
  const ratio = bare.length > 0 && hub.length > 0 ? saturation(hub) / saturation(bare) : Number.NaN;
  // The throughput ratio means something only if both searches ended in a clean saturation.
  const searchConcluded = (results: PhaseResult[]) =>
    results.some(
      (result) => result.saturation !== null && !result.saturation.startsWith('inconclusive'),
    );
  const ratioConclusive = searchConcluded(hub) && searchConcluded(bare);
  const targets: Array<{ name: string; value: number; target: number; pass: boolean | null }> = [
    {
      name: 'zero loss (every hub phase)',
      value: hub.reduce((sum, result) => sum + result.lost + result.duplicated, 0),
      target: 0,
      pass: hub.every(
        (result) => result.lost === 0 && result.duplicated === 0 && result.disconnected === 0,
      ),
    },
    {
      name: `p99 at ${shape?.label ?? 'shape'} (ms)`,
      value: shape?.latencyMs.p99 ?? Number.NaN,
      target: TARGETS.p99AtShapeMs,
      pass: (shape?.latencyMs.p99 ?? Infinity) <= TARGETS.p99AtShapeMs,
    },
    {
      name: 'sustained throughput hub / bare ws',
      value: ratio,
      target: TARGETS.saturationRatio,
      pass: ratioConclusive ? ratio >= TARGETS.saturationRatio : null,
    },
    {
      name: 'RSS per idle connection (KB)',
      value: hubMemory?.perConnectionKb.rss ?? Number.NaN,
      target: TARGETS.idleKbPerConnection,
      pass: (hubMemory?.perConnectionKb.rss ?? Infinity) <= TARGETS.idleKbPerConnection,
    },
  ];

  const byRate = (results: PhaseResult[]) =>
    [...results].sort((x, y) => x.ratePerPublisher - y.ratePerPublisher);
  const phaseRows = [...byRate(hub), ...byRate(bare)].map((result): Cell[] => [
    result.server,
    result.label,
    Math.round(result.offeredDeliveriesPerSecond),
    Math.round(result.deliveriesPerSecond),
    round(result.latencyMs.p50),
    round(result.latencyMs.p95),
    round(result.latencyMs.p99),
    result.lost,
    result.duplicated,
    Math.round(result.serverCpuPercent),
    Math.round(result.clientCpuPercent),
    round(result.serverMicrosPerDelivery),
    `${Math.round(result.otherCpuPercent)}${result.disturbed ? ' (disturbed)' : ''}`,
    result.saturation ?? '',
  ]);
  const phaseHeaders = [
    'server',
    'phase',
    'offered/s',
    'deliveries/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'lost',
    'dup',
    'server CPU %',
    'client CPU %',
    'server µs/delivery',
    'other CPU %',
    'saturated',
  ];
  const ratioRows = byRate(hub)
    .map((result): Cell[] | null => {
      const baseline = bare.find((candidate) => candidate.label === result.label);
      if (!baseline) return null;
      return [
        result.label,
        round(result.deliveriesPerSecond / baseline.deliveriesPerSecond),
        round(result.latencyMs.p99 / baseline.latencyMs.p99),
        round(baseline.serverMicrosPerDelivery / result.serverMicrosPerDelivery),
      ];
    })
    .filter((row): row is Cell[] => row !== null);
  ratioRows.push(['most sustained (best unsaturated phase)', round(ratio), '', '']);
  ratioRows.push(['peak (any phase)', round(peak(hub) / peak(bare)), '', '']);
  const memoryRows = memory.map((result): Cell[] => [
    result.server,
    result.connections,
    round(result.perConnectionKb.rss),
    round(result.perConnectionKb.heapUsed),
    round(result.perConnectionKb.external),
  ]);
  const memoryHeaders = [
    'server',
    'idle sockets',
    'RSS KB/conn',
    'heap KB/conn',
    'external KB/conn',
  ];
  const targetRows = targets.map((target): Cell[] => [
    target.name,
    round(target.value),
    target.target,
    target.pass === null ? 'inconclusive' : target.pass ? 'pass' : 'FAIL',
  ]);

  for (const style of ['text', 'markdown'] as const) {
    console.log(`\n${style === 'markdown' ? 'Markdown (for docs/benchmarks.md)' : 'results'}\n`);
    console.log(formatTable(phaseHeaders, phaseRows, style));
    console.log();
    console.log(
      formatTable(
        ['phase', 'hub/bare deliveries/s', 'hub/bare p99', 'bare/hub server µs per delivery'],
        ratioRows,
        style,
      ),
    );
    console.log();
    console.log(formatTable(memoryHeaders, memoryRows, style));
    console.log();
    console.log(formatTable(['target', 'value', 'limit', 'result'], targetRows, style));
  }

  await writeJson(path.resolve(repositoryRoot, options.out), {
    benchmark: 'hub-fanout',
    command: `npm run bench:hub-fanout${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine,
    options: { ...options, topic: TOPIC, messageBytes: messageBody(0, 1, 0).length },
    phases,
    memory,
    saturation: {
      sustained: { hub: saturation(hub), bare: saturation(bare), ratio },
      peak: { hub: peak(hub), bare: peak(bare), ratio: peak(hub) / peak(bare) },
    },
    targets,
  });
  console.log(
    `\nwrote ${options.out} in ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
