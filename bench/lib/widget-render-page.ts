/**
 * The in-page side of `bench/widget-render.ts`: an HTML page and a module script (plain
 * JavaScript, served as is) that import the built `chorus.mjs`, mount `<chorus-chat
 * mode="inline">` on a fake `RoomConnection` (a minimal copy of
 * `widget/test-support/stub-connection.ts` over the bundle's own `Transcript`), and expose
 * `window.__bench.run(config)`, which delivers the history, streams the agents and measures.
 */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>widget-render bench</title>
<style>html,body{margin:0}body{font-family:system-ui,sans-serif}#host{width:420px}</style></head>
<body><div id="host"></div><script type="module" src="/bench-page.js"></script></body>
</html>`;

export const PAGE_SCRIPT = String.raw`
import { Transcript } from '/chorus.mjs';

const AGENTS = [
  { id: 'sage', name: 'Sage', handle: 'sage', color: '#7c3aed', model: 'offline-sage', description: 'Thoughtful' },
  { id: 'scout', name: 'Scout', handle: 'scout', color: '#0e7490', model: 'offline-scout', description: 'Fast facts' },
  { id: 'muse', name: 'Muse', handle: 'muse', color: '#be185d', model: 'offline-muse', description: 'Creative' },
];

class FakeConnection {
  constructor(history) {
    this.transcript = new Transcript();
    this.history = history;
    this.listeners = new Map();
    this.current = { status: 'idle', attempt: 0 };
    this.sessionInfo = { participant: { id: 'guest:ada', name: 'Ada' }, room: { id: 'lobby', title: 'Lobby' } };
    this.roomInfo = { title: 'Lobby', agents: AGENTS, settings: null };
  }
  on(name, listener) {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }
  emit(name, value) {
    for (const listener of [...(this.listeners.get(name) ?? [])]) listener(value);
  }
  setState(state) {
    this.current = state;
    this.emit('state', state);
  }
  connect() {
    if (this.current.status !== 'idle') return;
    this.setState({ status: 'connecting', attempt: 0 });
    this.emit('session', this.sessionInfo);
    this.emit('room', this.roomInfo);
    // The catch-up: the history arrives in one page, as RoomClient merges the REST answer.
    setTimeout(() => {
      this.transcript.merge(this.history);
      this.emit('transcript', undefined);
      this.setState({ status: 'open', attempt: 0 });
    }, 0);
  }
  reconnect() {}
  async disconnect() {}
  state() { return this.current; }
  session() { return this.sessionInfo; }
  room() { return this.roomInfo; }
  messages() { return this.transcript.list(); }
  hasOlder() { return false; }
  async loadOlder() {}
  async postMessage(input) { throw new Error('read-only bench room: ' + input.id); }
  async stop() {}
  async regenerate(id) { return 'regen-' + id; }
  setTyping() {}
  async setUser() {}
  deliver(event, payload) {
    const outcome = this.transcript.apply(event, payload);
    if (outcome.kind !== 'applied') return false;
    this.emit('transcript', undefined);
    this.emit('live', { event, payload });
    return true;
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function frameStats(deltas) {
  const sorted = [...deltas].sort((a, b) => a - b);
  const sum = deltas.reduce((total, value) => total + value, 0);
  return {
    frames: deltas.length,
    mean: deltas.length ? sum / deltas.length : NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    over50: deltas.filter((value) => value > 50).length,
    over33: deltas.filter((value) => value > 33.4).length,
  };
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function heap() {
  const memory = performance.memory;
  return memory ? { usedJSHeapSize: memory.usedJSHeapSize, totalJSHeapSize: memory.totalJSHeapSize } : null;
}

async function run(config) {
  const longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });

  const history = config.history;
  const lastId = history.at(-1)?.id;
  const connection = new FakeConnection(history);
  const chat = document.createElement('chorus-chat');
  chat.connection = connection;
  chat.mode = 'inline';
  chat.theme = 'light';
  chat.style.setProperty('--chorus-height', '640px');

  // End the task that received the 2,000 messages and built the fake room, so that its cost is
  // counted as set-up, not as the widget's.
  await sleep(50);
  const mountedAt = performance.now();
  document.getElementById('host').append(chat);
  const list = async () => {
    for (;;) {
      const element = chat.shadowRoot?.querySelector('chorus-message-list');
      if (element) return element;
      await nextFrame();
    }
  };
  const messageList = await list();
  let historyFoundAt = NaN;
  for (;;) {
    const found = lastId === undefined ? true : messageList.shadowRoot?.querySelector('.message[data-id="' + lastId + '"]');
    if (found) { historyFoundAt = performance.now(); break; }
    if (performance.now() - mountedAt > 60000) throw new Error('history not rendered within 60 s');
    await nextFrame();
  }
  await nextFrame();
  const historyRenderedAt = performance.now();
  const renderedMessages = messageList.shadowRoot.querySelectorAll('.message').length;
  // Tasks that ended before the mount are the page's own set-up (loading the bundle, building the
  // fake room's 2,000 messages): reported apart from the widget's.
  const setupLongTasks = longTasks.filter((task) => task.start + task.duration <= mountedAt);
  const historyLongTasks = longTasks.filter((task) => task.start + task.duration > mountedAt && task.start + task.duration <= historyRenderedAt + 1);
  await sleep(500);
  const afterHistoryHeap = heap();

  // Frame times over the measured window (idle, or while the agents stream).
  const frames = [];
  let measuring = true;
  let last = NaN;
  const loop = (time) => {
    if (!Number.isNaN(last)) frames.push(time - last);
    last = time;
    if (measuring) requestAnimationFrame(loop);
  };
  await nextFrame();
  requestAnimationFrame(loop);

  const windowStart = performance.now();
  const agents = AGENTS.slice(0, config.agents);
  const perAgent = [];
  const replies = agents.map((agent, index) => {
    const id = 'bench-reply-' + agent.id;
    const createdAt = new Date(Date.UTC(2026, 0, 2, 0, 0, index)).toISOString();
    connection.deliver('message-start', { id, roomId: 'lobby', author: { kind: 'agent', id: agent.id, name: agent.name }, replyTo: lastId ?? null, reason: 'all', model: agent.model, createdAt });
    return new Promise((resolve) => {
      const chunks = config.chunks[index % config.chunks.length];
      const interval = 1000 / config.deltasPerSecond;
      const total = Math.min(chunks.length, Math.round((config.streamSeconds * config.deltasPerSecond)));
      const start = performance.now() + index * (interval / agents.length);
      let seq = 0;
      let content = '';
      let lateness = 0;
      const tick = () => {
        const now = performance.now();
        const due = Math.min(total, Math.floor((now - start) / interval) + 1);
        while (seq < due) {
          const delta = chunks[seq];
          seq += 1;
          content += delta;
          lateness = Math.max(lateness, now - (start + (seq - 1) * interval));
          connection.deliver('text-delta', { id, seq, delta });
        }
        if (seq >= total) {
          const endedAt = new Date(Date.parse(createdAt) + config.streamSeconds * 1000).toISOString();
          connection.deliver('message-end', { message: { id, roomId: 'lobby', author: { kind: 'agent', id: agent.id, name: agent.name }, content, parts: [], status: 'complete', seq, replyTo: lastId ?? null, reason: 'all', model: agent.model, usage: null, error: null, createdAt, updatedAt: endedAt } });
          perAgent.push({ agent: agent.id, deltas: seq, seconds: (performance.now() - start) / 1000, maxLatenessMs: lateness });
          resolve();
          return;
        }
        setTimeout(tick, Math.max(0, start + seq * interval - performance.now()));
      };
      setTimeout(tick, Math.max(0, start - performance.now()));
    });
  });
  if (agents.length === 0) await sleep(config.idleSeconds * 1000);
  else await Promise.all(replies);
  // Let the last frames land.
  await nextFrame();
  await nextFrame();
  measuring = false;
  const windowEnd = performance.now();
  await sleep(100);
  const windowLongTasks = longTasks.filter((task) => task.start >= windowStart && task.start < windowEnd);
  const streamedRendered = agents.map((agent) => {
    const element = messageList.shadowRoot.querySelector('.message[data-id="bench-reply-' + agent.id + '"] .content');
    return element ? element.textContent.length : 0;
  });
  // The reader scrolls to the top: older messages (already loaded) are revealed above.
  const log = messageList.shadowRoot.querySelector('.log');
  const firstId = () => messageList.shadowRoot.querySelector('.message')?.dataset.id;
  const firstBefore = firstId();
  const inDomBefore = messageList.shadowRoot.querySelectorAll('.message').length;
  const revealStart = performance.now();
  log.scrollTop = 0;
  let revealedAt = NaN;
  while (performance.now() - revealStart < 5000) {
    await nextFrame();
    if (firstId() !== firstBefore) { revealedAt = performance.now(); break; }
  }
  await sleep(100);
  const revealLongTasks = longTasks.filter((task) => task.start >= revealStart && task.start < revealStart + 5000);
  const summarize = (tasks) => ({ count: tasks.length, over50: tasks.filter((task) => task.duration > 50).length, maxMs: tasks.reduce((max, task) => Math.max(max, task.duration), 0), totalMs: tasks.reduce((sum, task) => sum + task.duration, 0), durations: tasks.map((task) => Math.round(task.duration)) });
  return {
    historyMessages: history.length,
    renderedMessages,
    historyFoundMs: historyFoundAt - mountedAt,
    historyRenderMs: historyRenderedAt - mountedAt,
    setupLongTasks: summarize(setupLongTasks),
    historyLongTasks: summarize(historyLongTasks),
    revealMs: revealedAt - revealStart,
    revealedMessages: messageList.shadowRoot.querySelectorAll('.message').length - inDomBefore,
    revealLongTasks: summarize(revealLongTasks),
    windowMs: windowEnd - windowStart,
    frames: frameStats(frames),
    windowLongTasks: summarize(windowLongTasks),
    perAgent,
    streamedRendered,
    domElements: 1 + messageList.shadowRoot.querySelectorAll('*').length,
    heapAfterHistory: afterHistoryHeap,
    heapAtEnd: heap(),
    userAgent: navigator.userAgent,
  };
}

window.__bench = { run };
window.__benchReady = true;
`;
