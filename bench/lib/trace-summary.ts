/** A Chrome trace event (the JSON Array/Object format Playwright's `browser.stopTracing` returns). */
interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: { url?: string; functionName?: string } };
}

export interface LongTaskBreakdown {
  /** Main-thread tasks (RunTask) over the threshold, in ms. */
  tasks: number[];
  /** Self time by trace event name inside those tasks, ms, largest first. */
  selfMs: { name: string; ms: number }[];
  /** Self time of FunctionCall/TimerFire/etc. grouped by script URL:function, ms. */
  scripts: { name: string; ms: number }[];
}

/**
 * Summarises what the renderer main thread did inside its tasks longer than `thresholdMs`: self
 * time per trace event name (Layout, UpdateLayoutTree, FunctionCall, Paint, GC…).
 */
export function summarizeLongTasks(traceJson: string, thresholdMs = 50): LongTaskBreakdown {
  const parsed = JSON.parse(traceJson) as TraceEvent[] | { traceEvents: TraceEvent[] };
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const main = events.filter(
    (event) =>
      event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'CrRendererMain',
  );
  const mainThreads = new Set(main.map((event) => `${event.pid}:${event.tid}`));
  const complete = events
    .filter(
      (event) =>
        event.ph === 'X' &&
        typeof event.dur === 'number' &&
        mainThreads.has(`${event.pid}:${event.tid}`),
    )
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const long = complete.filter(
    (event) => event.name === 'RunTask' && (event.dur ?? 0) > thresholdMs * 1000,
  );
  const self = new Map<string, number>();
  const scripts = new Map<string, number>();
  for (const task of long) {
    const end = task.ts + (task.dur ?? 0);
    const inside = complete.filter(
      (event) =>
        event.pid === task.pid &&
        event.tid === task.tid &&
        event.ts >= task.ts &&
        event.ts + (event.dur ?? 0) <= end,
    );
    // Self time: each event's duration minus its direct children's.
    const stack: { event: TraceEvent; childMs: number; label: string }[] = [];
    const close = (entry: { event: TraceEvent; childMs: number; label: string }) => {
      const ms = ((entry.event.dur ?? 0) - entry.childMs) / 1000;
      self.set(entry.event.name, (self.get(entry.event.name) ?? 0) + ms);
      if (entry.label) scripts.set(entry.label, (scripts.get(entry.label) ?? 0) + ms);
    };
    for (const event of inside) {
      while (
        stack.length > 0 &&
        stack.at(-1)!.event.ts + (stack.at(-1)!.event.dur ?? 0) <= event.ts
      )
        close(stack.pop()!);
      const parent = stack.at(-1);
      if (parent) parent.childMs += event.dur ?? 0;
      const data = event.args?.data;
      const label =
        data?.url || data?.functionName
          ? `${event.name} ${(data.url ?? '').split('/').pop()} ${data.functionName ?? ''}`.trim()
          : '';
      stack.push({ event, childMs: 0, label });
    }
    while (stack.length > 0) close(stack.pop()!);
  }
  const sorted = (map: Map<string, number>) =>
    [...map.entries()]
      .map(([name, ms]) => ({ name, ms: Math.round(ms * 10) / 10 }))
      .sort((a, b) => b.ms - a.ms);
  return {
    tasks: long.map((task) => Math.round((task.dur ?? 0) / 1000)),
    selfMs: sorted(self).slice(0, 12),
    scripts: sorted(scripts).slice(0, 8),
  };
}

/** A V8 CPU profile as `Profiler.stop` returns it (the fields used here). */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Maps a position in a bundle (0-based line and column) to its source, when a map is known. */
export type PositionMapper = (
  url: string,
  line: number,
  column: number,
) => { source: string; line: number; name: string | null } | null;

/**
 * Self time per function of a CPU profile, in ms, largest first, named through `map` (a
 * bundle's source map) when it knows the position.
 */
export function summarizeCpuProfile(
  profile: CpuProfile,
  map: PositionMapper,
  top = 15,
): { name: string; ms: number; percent: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let index = 0; index < samples.length; index++) {
    // A sample's time is the delta to the next one.
    const ms = (deltas[index + 1] ?? 0) / 1000;
    self.set(samples[index]!, (self.get(samples[index]!) ?? 0) + ms);
  }
  const total = [...self.values()].reduce((sum, ms) => sum + ms, 0);
  const named = new Map<string, number>();
  for (const [id, ms] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    let name = frame.functionName || '(anonymous)';
    if (frame.url) {
      const original = map(frame.url, frame.lineNumber, frame.columnNumber);
      const file = original
        ? original.source.replace(/^(\.\.\/)+/, '').replace(/^node_modules\//, '')
        : frame.url.split('/').pop();
      name = original
        ? `${original.name ?? name} (${file}:${original.line})`
        : `${name} (${file}:${frame.lineNumber + 1})`;
    }
    named.set(name, (named.get(name) ?? 0) + ms);
  }
  return [...named.entries()]
    .map(([name, ms]) => ({
      name,
      ms: Math.round(ms * 10) / 10,
      percent: total > 0 ? Math.round((ms / total) * 1000) / 10 : 0,
    }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top);
}
