import { allTasks, cleanStores, keepMount } from 'nanostores';
import { afterEach, describe, expect, it } from 'vitest';
import { ChorusError } from '../lib/chorus-error.ts';
import {
  agentMessage,
  GRACE,
  humanMessage,
  messageStart,
  SAGE,
} from '../../protocol/test-support/messages.ts';
import { StubConnection } from '../test-support/stub-connection.ts';
import { createConnectionStore } from './connection.ts';
import { createTranscriptStore, plainText, type TranscriptStore } from './transcript.ts';

function manualFrames() {
  const queue: (() => void)[] = [];
  return {
    schedule: (callback: () => void) => {
      queue.push(callback);
      return () => queue.splice(queue.indexOf(callback) >>> 0, 1);
    },
    flush: () => {
      for (const callback of queue.splice(0)) callback();
    },
    get pending() {
      return queue.length;
    },
  };
}

let store: TranscriptStore | undefined;

function setup(stub = StubConnection.open()) {
  const frames = manualFrames();
  const errors: string[] = [];
  const { $session } = createConnectionStore(stub);
  store = createTranscriptStore(stub, {
    $session,
    schedule: frames.schedule,
    onError: (error) => errors.push(error.code),
  });
  keepMount(store.$messages);
  keepMount(store.$announcements);
  return { stub, frames, errors, store };
}

afterEach(() => {
  if (store) cleanStores(store.$messages, store.$announcements, store.$streaming);
  store = undefined;
});

describe('transcript store', () => {
  it('re-reads the list once per frame however many deltas arrive', () => {
    const { stub, frames, store } = setup();
    const reply = agentMessage({ id: 'r1' });
    const seen: number[] = [];
    store.$messages.listen((list) => seen.push(list[0]?.content.length ?? -1));
    stub.deliver('message-start', messageStart(reply));
    for (let seq = 1; seq <= 20; seq++) stub.deliver('text-delta', { id: 'r1', seq, delta: 'x' });
    expect(frames.pending).toBe(1);
    frames.flush();
    expect(seen).toEqual([20]);
  });

  it('shows a sent message at once, then as stored, marked as ours', async () => {
    const { stub, store } = setup();
    const sending = store.sendMessage('  Hello @sage  ');
    expect(store.$messages.get()).toMatchObject([
      {
        content: 'Hello @sage',
        delivery: 'sending',
        own: true,
        author: { id: 'guest:ada', name: 'Ada' },
      },
    ]);
    expect(await sending).toBe(true);
    expect(stub.posts).toHaveLength(1);
    expect(store.$messages.get()).toMatchObject([
      { id: stub.posts[0]!.id, content: 'Hello @sage', own: true },
    ]);
    expect(store.$messages.get()[0]?.delivery).toBeUndefined();
  });

  it('keeps a failed message with Retry, and retries with the same id', async () => {
    const { stub, store, errors } = setup();
    stub.failNextPost = new ChorusError('rate_limited', 'Slow down', { status: 429 });
    expect(await store.sendMessage('Hi')).toBe(false);
    const [failed] = store.$messages.get();
    expect(failed).toMatchObject({
      delivery: 'failed',
      deliveryError: { code: 'rate_limited', message: 'Slow down' },
    });
    expect(errors).toEqual(['rate_limited']);
    expect(await store.retryMessage(failed!.id)).toBe(true);
    expect(stub.posts.map((post) => post.id)).toEqual([failed!.id, failed!.id]);
    expect(store.$messages.get()).toHaveLength(1);
    expect(store.$messages.get()[0]?.delivery).toBeUndefined();
  });

  it('sends again by itself once reconnected, with the same id; a refusal waits for Retry', async () => {
    const { stub, store } = setup();
    stub.setState({ status: 'reconnecting', attempt: 1 });
    stub.failNextPost = new ChorusError('network_error', 'Failed to fetch');
    expect(await store.sendMessage('Sent while offline')).toBe(false);
    stub.failNextPost = new ChorusError('muted', 'You have been muted', { status: 403 });
    expect(await store.sendMessage('Refused')).toBe(false);
    const [offline, refused] = store.$messages.get();
    expect(offline?.delivery).toBe('failed');

    stub.setState({ status: 'open', attempt: 0 });
    await allTasks();
    await Promise.resolve();
    expect(stub.posts.map((post) => post.id)).toEqual([offline!.id, refused!.id, offline!.id]);
    expect(store.$messages.get().map((message) => [message.content, message.delivery])).toEqual([
      ['Sent while offline', undefined],
      ['Refused', 'failed'],
    ]);
    // Another reconnect sends nothing more: the refused one is the visitor's to retry.
    stub.setState({ status: 'reconnecting', attempt: 1 });
    stub.setState({ status: 'open', attempt: 0 });
    await Promise.resolve();
    expect(stub.posts).toHaveLength(3);
  });

  it('ignores a blank message', async () => {
    const { stub, store } = setup();
    expect(await store.sendMessage('   ')).toBe(false);
    expect(stub.posts).toEqual([]);
  });

  it('announces finished messages of others with the speaker, not tokens and not our own', () => {
    const { stub, store } = setup();
    const reply = agentMessage({ id: 'r1', author: SAGE });
    stub.deliver('message-start', messageStart(reply));
    stub.deliver('text-delta', { id: 'r1', seq: 1, delta: '**Hi**' });
    expect(store.$announcements.get()).toEqual([]);
    stub.deliver('message-end', {
      message: { ...reply, content: '**Hi** there', status: 'complete', seq: 1 },
    });
    stub.deliver('message', {
      message: humanMessage({ id: 'h1', author: GRACE, content: 'Hello' }),
    });
    stub.deliver('message', { message: humanMessage({ id: 'h2', content: 'mine' }) }); // Ada is us
    stub.deliver('message-end', {
      message: { ...agentMessage({ id: 'r2' }), status: 'error', error: 'boom' },
    });
    expect(
      store.$announcements.get().map(({ kind, name, text }) => ({ kind, name, text })),
    ).toEqual([
      { kind: 'message', name: 'Sage', text: 'Hi there' },
      { kind: 'message', name: 'Grace', text: 'Hello' },
      { kind: 'error', name: 'Sage', text: '' },
    ]);
  });

  it('lists replies streaming now', () => {
    const { stub, frames, store } = setup();
    keepMount(store.$streaming);
    stub.deliver('message-start', messageStart(agentMessage({ id: 'r1' })));
    stub.deliver('message-start', messageStart(agentMessage({ id: 'r2' })));
    frames.flush();
    expect(store.$streaming.get().map((message) => message.id)).toEqual(['r1', 'r2']);
  });

  it('stops, stops all and regenerates through the connection, reporting failures', async () => {
    const { stub, store, errors } = setup();
    await store.stopMessage('r1');
    await store.stopAll();
    await store.regenerate('r1');
    expect(stub.stops).toEqual([{ messageId: 'r1' }, { all: true }]);
    expect(stub.regenerations).toEqual(['r1']);
    stub.stop = () => Promise.reject(new ChorusError('not_found', 'gone', { status: 404 }));
    await store.stopAll();
    expect(errors).toEqual(['not_found']);
    expect(store.$actionError.get()).toEqual({ code: 'not_found', message: 'gone' });
    await store.regenerate('r1');
    expect(store.$actionError.get()).toBeNull();
  });

  it('loads older history once at a time', async () => {
    const { stub, store } = setup(StubConnection.open([humanMessage({ id: 'h2' })]));
    stub.olderPages = [[humanMessage({ id: 'h1', createdAt: '2020-01-01T00:00:00.000Z' })]];
    const loading: boolean[] = [];
    store.$loadingOlder.listen((value) => loading.push(value));
    await Promise.all([store.loadOlder(), store.loadOlder()]);
    await allTasks();
    expect(store.$messages.get().map((message) => message.id)).toEqual(['h1', 'h2']);
    expect(loading).toEqual([true, false]);
    expect(store.$hasOlder.get()).toBe(false);
  });
});

describe('plainText', () => {
  it('reads Markdown as text, cut short', () => {
    expect(plainText('# Title\n**bold** and `code` [link](https://x.y)\n```js\nlet a;\n```')).toBe(
      'Title bold and code link let a;',
    );
    expect(plainText('a'.repeat(500))).toHaveLength(300);
  });

  it('keeps the underscores inside words (handles, names), drops emphasis ones', () => {
    expect(plainText('_Ask_ @dev_ops or __snake_case__, @_x')).toBe(
      'Ask @dev_ops or snake_case, @_x',
    );
  });

  it('never announces half an emoji where it cuts', () => {
    expect(plainText(`${'a'.repeat(298)}😀😀 and more`)).toBe(`${'a'.repeat(298)}…`);
  });
});
