/**
 * Widget rendering benchmark: `npm run bench:widget-render`.
 *
 * Headless Chromium (playwright-core, the browser tests' Chromium) loads the built ESM bundle
 * `dist/widget/chorus.mjs` from a static server on port 0 and mounts `<chorus-chat
 * mode="inline">` on an in-page fake `RoomConnection` (bench/lib/widget-render-page.ts). The
 * fake delivers a 2,000-message history (humans and agents, Markdown with paragraphs, lists
 * and code blocks, 200–800 characters) in one catch-up, then streams agent replies: each agent
 * sends 50 `text-delta` events a second (a few characters each, Markdown with a code fence) for
 * 10 s, then `message-end`.
 *
 * Scenarios, each in a fresh page: idle (history only, no streaming), 1 agent, 3 agents (the
 * requirement), and 3 agents over a 50-message history. Measured in the page: long tasks
 * (PerformanceObserver `longtask`), frame times (requestAnimationFrame deltas), the time from
 * mounting to the last history message rendered plus one frame, how many messages are in the
 * DOM (the list renders the newest ones and reveals older ones on scroll-up), the time to reveal
 * older messages when the reader then scrolls to the top, and the JS heap (`performance.memory`).
 * The window is the streaming (or, idle, 5 s); "LT" are long tasks. Long tasks that end before
 * the mount are the page's own set-up and reported apart. When the 3-agent run has long tasks,
 * one more run is traced and CPU-profiled (the profile source-mapped through `chorus.mjs.map`)
 * to show what they are.
 *
 * Results: a table on stdout, `bench/results/widget-render.json`, and the "Widget rendering"
 * section of docs/benchmarks.md (written by hand from the output).
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { SourceMapConsumer } from 'source-map-js';
import type { Message } from '../protocol/room.ts';
import { seededRandom } from '../protocol/test-support/seeded-random.ts';
import { ensureWidgetBuilt, WIDGET_DIST_DIR } from '../server/widget-build.ts';
import { CHROMIUM_ARGS, findChromium } from '../test/helpers/chromium.ts';
import { machineInfo, writeJson } from './lib/results.ts';
import { formatTable, round, type Cell } from './lib/table.ts';
import {
  summarizeCpuProfile,
  summarizeLongTasks,
  type CpuProfile,
  type LongTaskBreakdown,
} from './lib/trace-summary.ts';
import { PAGE_HTML, PAGE_SCRIPT } from './lib/widget-render-page.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_FILE = path.join(ROOT, 'bench', 'results', 'widget-render.json');
const HISTORY_MESSAGES = 2000;
const DELTAS_PER_SECOND = 50;
const STREAM_SECONDS = 10;
const IDLE_SECONDS = 5;
const LONG_TASK_MS = 50;

interface Scenario {
  name: string;
  history: number;
  agents: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'idle (history, no stream)', history: HISTORY_MESSAGES, agents: 0 },
  { name: '1 agent', history: HISTORY_MESSAGES, agents: 1 },
  { name: '3 agents', history: HISTORY_MESSAGES, agents: 3 },
  { name: '3 agents, 50-msg history', history: 50, agents: 3 },
];

interface TaskSummary {
  count: number;
  over50: number;
  maxMs: number;
  totalMs: number;
  durations: number[];
}

interface PageResult {
  historyMessages: number;
  renderedMessages: number;
  historyFoundMs: number;
  historyRenderMs: number;
  /** Long tasks that ended before the widget was mounted: the bench page's own set-up. */
  setupLongTasks: TaskSummary;
  historyLongTasks: TaskSummary;
  revealMs: number;
  revealedMessages: number;
  revealLongTasks: TaskSummary;
  windowMs: number;
  frames: {
    frames: number;
    mean: number;
    p50: number;
    p95: number;
    p99: number;
    max: number;
    over50: number;
    over33: number;
  };
  windowLongTasks: TaskSummary;
  perAgent: { agent: string; deltas: number; seconds: number; maxLatenessMs: number }[];
  streamedRendered: number[];
  domElements: number;
  heapAfterHistory: { usedJSHeapSize: number; totalJSHeapSize: number } | null;
  heapAtEnd: { usedJSHeapSize: number; totalJSHeapSize: number } | null;
  userAgent: string;
}

// ---- deterministic content (seeded) ----

const WORDS =
  'the room agent reply stream message widget render latency budget token client server channel transcript history markdown list code block review deploy config cache index query retry timeout session identity presence typing scroll layout frame paint'.split(
    ' ',
  );

function words(random: () => number, count: number): string {
  return Array.from({ length: count }, () => WORDS[Math.floor(random() * WORDS.length)]!).join(' ');
}

function sentence(random: () => number): string {
  const text = words(random, 6 + Math.floor(random() * 10));
  const decorated =
    random() < 0.3
      ? text.replace(/(\w+)/, '**$1**')
      : random() < 0.3
        ? text.replace(/ (\w+)$/, ' `$1`')
        : text;
  return `${decorated.charAt(0).toUpperCase()}${decorated.slice(1)}.`;
}

function paragraph(random: () => number): string {
  return Array.from({ length: 2 + Math.floor(random() * 3) }, () => sentence(random)).join(' ');
}

function list(random: () => number): string {
  const ordered = random() < 0.4;
  return Array.from(
    { length: 2 + Math.floor(random() * 4) },
    (_, index) =>
      `${ordered ? `${index + 1}.` : '-'} ${words(random, 3 + Math.floor(random() * 6))}`,
  ).join('\n');
}

function codeBlock(random: () => number): string {
  const lines = Array.from(
    { length: 2 + Math.floor(random() * 5) },
    (_, index) =>
      `  const ${WORDS[Math.floor(random() * WORDS.length)]}${index} = await ${WORDS[Math.floor(random() * WORDS.length)]}(${index});`,
  );
  return ['```ts', 'async function step() {', ...lines, '}', '```'].join('\n');
}

/** Markdown of 200–800 characters: paragraphs, and for some messages a list or a code block. */
function markdown(random: () => number, agent: boolean): string {
  const target = 200 + Math.floor(random() * 600);
  const blocks: string[] = [paragraph(random)];
  while (blocks.join('\n\n').length < target) {
    const pick = random();
    if (agent && pick < 0.3) blocks.push(codeBlock(random));
    else if (pick < 0.55) blocks.push(list(random));
    else blocks.push(paragraph(random));
  }
  let text = blocks.join('\n\n');
  if (text.length > 800) text = text.slice(0, 800).replace(/\s+\S*$/, '');
  // Never cut inside a fence.
  if ((text.match(/```/g) ?? []).length % 2 === 1) text += '\n```';
  return text;
}

const AUTHORS = [
  { kind: 'human', id: 'guest:ada', name: 'Ada' },
  { kind: 'human', id: 'guest:grace', name: 'Grace' },
  { kind: 'agent', id: 'sage', name: 'Sage' },
  { kind: 'agent', id: 'scout', name: 'Scout' },
  { kind: 'agent', id: 'muse', name: 'Muse' },
] as const;

function history(count: number): Message[] {
  const random = seededRandom(2026);
  const start = Date.UTC(2026, 0, 1, 0, 0, 0);
  return Array.from({ length: count }, (_, index) => {
    const author =
      AUTHORS[random() < 0.45 ? Math.floor(random() * 2) : 2 + Math.floor(random() * 3)]!;
    const agent = author.kind === 'agent';
    const at = new Date(start + index * 20_000).toISOString();
    return {
      id: `h${String(index).padStart(5, '0')}`,
      roomId: 'lobby',
      position: index + 1,
      author: { ...author },
      content: markdown(random, agent),
      parts: [],
      status: 'complete',
      seq: agent ? 1 : 0,
      replyTo: null,
      reason: agent ? 'all' : null,
      model: agent ? `offline-${author.id}` : null,
      usage: null,
      error: null,
      createdAt: at,
      updatedAt: at,
    } satisfies Message;
  });
}

/** One reply's deltas: Markdown (paragraphs, a list, a code fence) cut into 2–6 character pieces. */
function replyChunks(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  let text = '';
  while (text.length < count * 6) {
    text += `${paragraph(random)}\n\n${list(random)}\n\n${codeBlock(random)}\n\n`;
  }
  const chunks: string[] = [];
  let offset = 0;
  while (chunks.length < count) {
    const size = 2 + Math.floor(random() * 5);
    chunks.push(text.slice(offset, offset + size));
    offset += size;
  }
  return chunks;
}

// ---- the page server ----

async function startServer(
  bundleDir: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const bundle = readFileSync(path.join(bundleDir, 'chorus.mjs'));
  const server = http.createServer((request, response) => {
    const url = request.url ?? '/';
    const send = (type: string, body: string | Buffer) => {
      response.writeHead(200, {
        'content-type': `${type}; charset=utf-8`,
        'cache-control': 'no-store',
      });
      response.end(body);
    };
    if (url === '/' || url.startsWith('/?')) send('text/html', PAGE_HTML);
    else if (url === '/chorus.mjs') send('text/javascript', bundle);
    else if (url === '/bench-page.js') send('text/javascript', PAGE_SCRIPT);
    else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Diagnosis {
  longTasks: LongTaskBreakdown;
  cpu: { name: string; ms: number; percent: number }[];
}

/** `map` for summarizeCpuProfile: positions in `/chorus.mjs` through its source map. */
function bundleMapper(bundleDir: string) {
  const file = path.join(bundleDir, 'chorus.mjs.map');
  if (!existsSync(file)) return () => null;
  const consumer = new SourceMapConsumer(JSON.parse(readFileSync(file, 'utf8')));
  return (url: string, line: number, column: number) => {
    if (!url.endsWith('/chorus.mjs')) return null;
    const original = consumer.originalPositionFor({ line: line + 1, column });
    return original.source
      ? { source: original.source, line: original.line, name: original.name ?? null }
      : null;
  };
}

async function runScenario(
  browser: Browser,
  url: string,
  scenario: Scenario,
  diagnose?: string,
): Promise<{ result: PageResult; diagnosis?: Diagnosis }> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
  });
  await page.goto(url);
  await page.waitForFunction('window.__benchReady === true');
  const config = {
    history: history(scenario.history),
    agents: scenario.agents,
    chunks: [1, 2, 3].map((seed) => replyChunks(seed, DELTAS_PER_SECOND * STREAM_SECONDS)),
    deltasPerSecond: DELTAS_PER_SECOND,
    streamSeconds: STREAM_SECONDS,
    idleSeconds: IDLE_SECONDS,
  };
  const cdp = diagnose ? await context.newCDPSession(page) : undefined;
  if (diagnose && cdp) {
    await browser.startTracing(page, {
      categories: ['devtools.timeline', 'v8.execute', 'disabled-by-default-devtools.timeline'],
    });
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await cdp.send('Profiler.start');
  }
  const measured = (await page.evaluate(async (input) => {
    const bench = (window as unknown as { __bench: { run: (value: unknown) => Promise<unknown> } })
      .__bench;
    return bench.run(input);
  }, config)) as PageResult;
  let diagnosis: Diagnosis | undefined;
  if (diagnose && cdp) {
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
    const longTasks = summarizeLongTasks(
      (await browser.stopTracing()).toString('utf8'),
      LONG_TASK_MS,
    );
    diagnosis = { longTasks, cpu: summarizeCpuProfile(profile, bundleMapper(diagnose)) };
  }
  await context.close();
  const messages = [...new Set(errors)].filter((text) => !text.startsWith('Lit is in dev mode'));
  if (messages.length > 0)
    console.warn(`  page messages (${scenario.name}): ${messages.slice(0, 5).join(' | ')}`);
  return { result: measured, ...(diagnosis ? { diagnosis } : {}) };
}

/** Long tasks over 50 ms caused by the widget: rendering the history, streaming, revealing older messages. */
function over50(result: PageResult): number {
  return (
    result.historyLongTasks.over50 + result.windowLongTasks.over50 + result.revealLongTasks.over50
  );
}

function ms(value: number): Cell {
  return round(value);
}

async function main(): Promise<void> {
  const started = Date.now();
  if (!existsSync(path.join(WIDGET_DIST_DIR, 'chorus.mjs'))) console.log('building the widget…');
  await ensureWidgetBuilt((level, event, fields) => {
    if (level !== 'debug') console.log(`  ${event} ${fields ? JSON.stringify(fields) : ''}`);
  });
  const { executablePath, source } = await findChromium();
  const server = await startServer(WIDGET_DIST_DIR);
  const browser = await chromium.launch({
    executablePath,
    args: [...CHROMIUM_ARGS],
    headless: true,
  });
  const version = browser.version();
  console.log(`Chromium ${version} (${source}), ${machineInfo().cpus} cores`);
  const runs: { scenario: Scenario; result: PageResult }[] = [];
  let diagnosis: Diagnosis | undefined;
  try {
    for (const scenario of SCENARIOS) {
      process.stdout.write(`  ${scenario.name}… `);
      const { result } = await runScenario(browser, server.url, scenario);
      console.log(
        `history ${round(result.historyRenderMs)} ms, frame p95 ${round(result.frames.p95)} ms, long tasks in window ${result.windowLongTasks.count}`,
      );
      runs.push({ scenario, result });
    }
    const three = runs.find((run) => run.scenario.name === '3 agents')!.result;
    if (over50(three) > 0) {
      process.stdout.write('  3 agents, traced and profiled (what the long tasks are)… ');
      diagnosis = (await runScenario(browser, server.url, SCENARIOS[2]!, WIDGET_DIST_DIR))
        .diagnosis;
      console.log('done');
    }
  } finally {
    await browser.close();
    await server.close();
  }

  const headers = [
    'scenario',
    'history',
    'in DOM',
    'history render ms',
    'LT>50 history',
    'LT max history ms',
    'LT>50 window',
    'LT max window ms',
    'frames',
    'frame p50 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    'frames >50ms',
    'deltas/s',
    'reveal ms',
    'LT>50 reveal',
    'heap MB',
  ];
  const rows: Cell[][] = runs.map(({ scenario, result }) => {
    const deltas = result.perAgent.reduce((sum, agent) => sum + agent.deltas, 0);
    return [
      scenario.name,
      result.historyMessages,
      result.renderedMessages,
      ms(result.historyRenderMs),
      result.historyLongTasks.over50,
      ms(result.historyLongTasks.maxMs),
      result.windowLongTasks.over50,
      ms(result.windowLongTasks.maxMs),
      result.frames.frames,
      ms(result.frames.p50),
      ms(result.frames.p95),
      ms(result.frames.p99),
      ms(result.frames.max),
      result.frames.over50,
      scenario.agents === 0 ? '–' : round(deltas / (result.windowMs / 1000)),
      result.revealedMessages > 0 ? ms(result.revealMs) : '–',
      result.revealLongTasks.over50,
      result.heapAtEnd ? round(result.heapAtEnd.usedJSHeapSize / 2 ** 20) : '–',
    ];
  });
  console.log();
  console.log(formatTable(headers, rows));
  const by = (name: string) => runs.find((run) => run.scenario.name === name)!.result;
  const idle = by('idle (history, no stream)');
  const one = by('1 agent');
  const three = by('3 agents');
  const small = by('3 agents, 50-msg history');
  const ratios = {
    p95ThreeVsIdle: three.frames.p95 / idle.frames.p95,
    p95ThreeVsOne: three.frames.p95 / one.frames.p95,
    p95ThreeVsSmallHistory: three.frames.p95 / small.frames.p95,
    p99ThreeVsIdle: three.frames.p99 / idle.frames.p99,
    longTaskMsThreeVsOne:
      one.windowLongTasks.totalMs > 0
        ? three.windowLongTasks.totalMs / one.windowLongTasks.totalMs
        : null,
  };
  console.log();
  console.log(
    `ratios: p95 3 agents / idle ${round(ratios.p95ThreeVsIdle)}x, 3 agents / 1 agent ${round(ratios.p95ThreeVsOne)}x, 2,000 / 50-message history ${round(ratios.p95ThreeVsSmallHistory)}x; p99 3 agents / idle ${round(ratios.p99ThreeVsIdle)}x`,
  );
  const pass = over50(three) === 0;
  console.log(
    `target "no long task over ${LONG_TASK_MS} ms" with 3 agents streaming over ${HISTORY_MESSAGES} messages: ${pass ? 'PASS' : 'FAIL'} ` +
      `(history render ${three.historyLongTasks.over50}, streaming ${three.windowLongTasks.over50}, revealing ${three.revealedMessages} older ${three.revealLongTasks.over50}; ` +
      `the page's own set-up before the mount: ${three.setupLongTasks.over50}, max ${round(three.setupLongTasks.maxMs)} ms)`,
  );
  if (diagnosis) {
    const tasks = diagnosis.longTasks.tasks;
    console.log(
      `\nlong tasks in the traced 3-agent run: ${tasks.length}, median ${round([...tasks].sort((a, b) => a - b)[Math.floor(tasks.length / 2)] ?? NaN)} ms, max ${Math.max(...tasks)} ms`,
    );
    console.log(
      formatTable(
        ['main-thread self time in long tasks (trace)', 'ms'],
        diagnosis.longTasks.selfMs.map((entry) => [entry.name, entry.ms]),
      ),
    );
    console.log();
    console.log(
      formatTable(
        ['JS self time, whole run (CPU profile, source-mapped)', 'ms', '%'],
        diagnosis.cpu.map((entry) => [entry.name, entry.ms, entry.percent]),
      ),
    );
  }
  await writeJson(RESULTS_FILE, {
    benchmark: 'widget-render',
    date: new Date().toISOString(),
    machine: machineInfo(),
    chromium: { version, source },
    config: {
      historyMessages: HISTORY_MESSAGES,
      deltasPerSecond: DELTAS_PER_SECOND,
      streamSeconds: STREAM_SECONDS,
      idleSeconds: IDLE_SECONDS,
      longTaskMs: LONG_TASK_MS,
    },
    target: { noLongTaskOver50ms: pass },
    ratios,
    scenarios: runs.map(({ scenario, result }) => ({ ...scenario, ...result })),
    diagnosis: diagnosis ?? null,
    seconds: (Date.now() - started) / 1000,
  });
  console.log(
    `\nwrote ${path.relative(ROOT, RESULTS_FILE)} in ${round((Date.now() - started) / 1000)} s`,
  );
}

await main();
