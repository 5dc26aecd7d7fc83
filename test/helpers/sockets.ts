import { once } from 'node:events';
import WebSocket from 'ws';

/** A decoded frame as the tests see it (vsn 1 objects and vsn 2 arrays alike). */
export interface TestFrame {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index into frames freely
  payload: any;
  /** The raw frame, for byte-level assertions. */
  raw: string | Buffer;
}

/**
 * A raw WebSocket client that queues every frame it receives, so tests can await the next one
 * (optionally matching a predicate) without sleeps.
 */
export class TestSocket {
  private readonly queue: TestFrame[] = [];
  private waiters: Array<{
    match: (frame: TestFrame) => boolean;
    resolve: (frame: TestFrame) => void;
  }> = [];

  private constructor(
    readonly ws: WebSocket,
    readonly vsn: '1.0.0' | '2.0.0',
  ) {
    ws.on('message', (data: Buffer, isBinary) => this.push(decode(data, isBinary)));
  }

  static async open(url: string): Promise<TestSocket> {
    const ws = new WebSocket(url);
    await once(ws, 'open');
    return new TestSocket(ws, new URL(url).searchParams.get('vsn') === '1.0.0' ? '1.0.0' : '2.0.0');
  }

  private ref = 0;
  nextRef(): string {
    this.ref += 1;
    return String(this.ref);
  }

  /** Sends a frame in this socket's serializer. */
  send(frame: {
    joinRef?: string | null;
    ref?: string | null;
    topic: string;
    event: string;
    payload: unknown;
  }): void {
    const { joinRef = null, ref = null, topic, event, payload } = frame;
    this.ws.send(
      this.vsn === '2.0.0'
        ? JSON.stringify([joinRef, ref, topic, event, payload])
        : JSON.stringify({ topic, event, payload, ref, join_ref: joinRef }),
    );
  }

  /** Joins `topic` and resolves with the reply frame. */
  async join(
    topic: string,
    payload: Record<string, unknown> = {},
  ): Promise<TestFrame & { joinRef: string }> {
    const ref = this.nextRef();
    this.send({ joinRef: ref, ref, topic, event: 'phx_join', payload: { config: {}, ...payload } });
    const reply = await this.next((frame) => frame.event === 'phx_reply' && frame.ref === ref);
    return { ...reply, joinRef: ref };
  }

  /** The next frame that matches (earlier non-matching frames stay queued). */
  next(match: (frame: TestFrame) => boolean = () => true, timeoutMs = 2000): Promise<TestFrame> {
    const index = this.queue.findIndex(match);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (frame: TestFrame) => (clearTimeout(timer), resolve(frame)),
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
        reject(
          new Error(
            `no matching frame within ${timeoutMs} ms; queued: ${JSON.stringify(this.queue.map((f) => f.event))}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Resolves if no matching frame arrives within `ms`; rejects with the frame otherwise. */
  async expectNone(match: (frame: TestFrame) => boolean = () => true, ms = 150): Promise<void> {
    const frame = await this.next(match, ms).catch(() => null);
    if (frame) throw new Error(`unexpected frame: ${JSON.stringify({ ...frame, raw: undefined })}`);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.close();
    const timer = setTimeout(() => this.ws.terminate(), 1000);
    await closed;
    clearTimeout(timer);
  }

  private push(frame: TestFrame): void {
    const waiter = this.waiters.find((candidate) => candidate.match(frame));
    if (waiter) {
      this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
      waiter.resolve(frame);
    } else {
      this.queue.push(frame);
    }
  }
}

function decode(data: Buffer, isBinary: boolean): TestFrame {
  if (isBinary) {
    // kind 4: [4, topicSize, eventSize, metadataSize, encoding, topic, event, metadata, payload]
    const topicSize = data[1]!;
    const eventSize = data[2]!;
    const metadataSize = data[3]!;
    const encoding = data[4]!;
    let offset = 5;
    const take = (size: number) => data.toString('utf8', offset, (offset += size));
    const topic = take(topicSize);
    const userEvent = take(eventSize);
    take(metadataSize);
    const body = data.subarray(offset);
    const payload = encoding === 1 ? JSON.parse(body.toString('utf8')) : body;
    return {
      joinRef: null,
      ref: null,
      topic,
      event: 'broadcast',
      payload: { type: 'broadcast', event: userEvent, payload },
      raw: data,
    };
  }
  const text = data.toString('utf8');
  const parsed = JSON.parse(text);
  if (Array.isArray(parsed)) {
    const [joinRef, ref, topic, event, payload] = parsed;
    return { joinRef, ref, topic, event, payload, raw: text };
  }
  return {
    joinRef: parsed.join_ref ?? null,
    ref: parsed.ref,
    topic: parsed.topic,
    event: parsed.event,
    payload: parsed.payload,
    raw: text,
  };
}
