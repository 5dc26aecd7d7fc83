/**
 * The encoder of `POST /api/rooms/:room/chat` (server/http/routes/ui-message-stream.ts): room
 * broadcasts of one round in, UI message chunks out, read back with the real `ai` package's
 * `readUIMessageStream` as `useChat` would render them.
 */
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { describe, expect, it } from 'vitest';
import { uiMessageChunkSchema, type UiMessageChunk } from '../../protocol/schemas/chat.ts';
import { UiMessageStreamEncoder } from '../../server/http/routes/ui-message-stream.ts';
import type { Message } from '../../protocol/room.ts';

const POST = 'post-1';

function start(id: string, agent: string, replyTo = POST) {
  return {
    id,
    roomId: 'r',
    author: { kind: 'agent' as const, id: agent, name: agent.toUpperCase() },
    replyTo,
    reason: 'mention' as const,
    model: null,
    createdAt: '2026-12-02T00:00:00.000Z',
  };
}

function end(id: string, content: string, status: Message['status'] = 'complete') {
  return { message: { id, content, status } as Message };
}

async function render(chunks: UiMessageChunk[]): Promise<UIMessage | undefined> {
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk as UIMessageChunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream })) last = message;
  return last;
}

function parts(message: UIMessage | undefined) {
  return (message?.parts ?? []).map((part) =>
    part.type === 'data-agent'
      ? `agent:${(part.data as { id: string }).id}`
      : part.type === 'text'
        ? `text:${part.text}`
        : part.type,
  );
}

describe('UiMessageStreamEncoder', () => {
  it('writes replies that stream at the same time one after another, each after its data-agent part', async () => {
    const chunks: UiMessageChunk[] = [];
    const encoder = new UiMessageStreamEncoder((chunk) => chunks.push(chunk));
    encoder.begin(POST);
    chunks.push({ type: 'start', messageId: 'answer' });
    encoder.handle('message-start', start('a', 'ada'));
    encoder.handle('message-start', start('b', 'bob'));
    encoder.handle('text-delta', { id: 'b', seq: 1, delta: 'Bob ' });
    encoder.handle('text-delta', { id: 'a', seq: 1, delta: 'Ada ' });
    encoder.handle('text-delta', { id: 'b', seq: 2, delta: 'here.' });
    expect(encoder.inFlight).toEqual(['a', 'b']);
    encoder.handle('message-end', end('b', 'Bob here.'));
    encoder.handle('text-delta', { id: 'a', seq: 2, delta: 'here.' });
    encoder.handle('message-end', end('a', 'Ada here.'));
    expect(encoder.inFlight).toEqual([]);
    chunks.push({ type: 'finish', finishReason: 'stop' });

    for (const chunk of chunks) uiMessageChunkSchema.parse(chunk);
    expect(parts(await render(chunks))).toEqual([
      'agent:ada',
      'text:Ada here.',
      'agent:bob',
      'text:Bob here.',
    ]);
  });

  it("ignores other posts' replies and repeated deltas, waits for the post's id, and sends text a delta missed", async () => {
    const chunks: UiMessageChunk[] = [];
    const encoder = new UiMessageStreamEncoder((chunk) => chunks.push(chunk));
    expect(encoder.handle('message-start', start('a', 'ada'))).toBe(false); // held until begin()
    encoder.begin(POST);
    expect(encoder.started).toBe(1);
    expect(encoder.handle('message-start', start('x', 'bob', 'another-post'))).toBe(false);
    expect(encoder.handle('text-delta', { id: 'x', seq: 1, delta: 'no' })).toBe(false);
    encoder.handle('text-delta', { id: 'a', seq: 1, delta: 'One, ' });
    expect(encoder.handle('text-delta', { id: 'a', seq: 1, delta: 'One, ' })).toBe(false);
    encoder.handle('message-end', end('a', 'One, two.', 'cancelled'));
    expect(encoder.stopped).toBe(true);

    expect(parts(await render([{ type: 'start', messageId: 'm' }, ...chunks]))).toEqual([
      'agent:ada',
      'text:One, two.',
    ]);
  });

  it('sends cited passages as the SDK source parts: a page as source-url, a file alone as source-document', async () => {
    const chunks: UiMessageChunk[] = [{ type: 'start', messageId: 'answer' }];
    const encoder = new UiMessageStreamEncoder((chunk) => chunks.push(chunk));
    encoder.begin(POST);
    encoder.handle('message-start', start('a', 'sage'));
    encoder.handle('text-delta', { id: 'a', seq: 1, delta: 'Take the Commuter 8 E.' });
    encoder.handle('source', {
      id: 'a',
      seq: 2,
      title: 'Commuter 8 E › Hills and distance',
      url: '/demo/company.html#bikes',
      path: 'bikes/commuter-8-e.md',
      quote: 'Made for steep or long commutes.',
    });
    encoder.handle('source', {
      id: 'a',
      seq: 3,
      title: 'Opening hours',
      url: null,
      path: 'about.html',
      quote: 'Tuesday to Friday 9:00 to 18:00.',
    });
    expect(
      encoder.handle('source', { id: 'a', seq: 3, title: 'x', url: null, path: 'x', quote: '' }),
    ).toBe(false);
    encoder.handle('message-end', end('a', 'Take the Commuter 8 E.'));
    chunks.push({ type: 'finish', finishReason: 'stop' });

    for (const chunk of chunks) uiMessageChunkSchema.parse(chunk);
    const message = await render(chunks);
    expect(parts(message)).toEqual([
      'agent:sage',
      'text:Take the Commuter 8 E.',
      'source-url',
      'source-document',
    ]);
    expect(message?.parts.slice(2)).toEqual([
      {
        type: 'source-url',
        sourceId: 'a:source:0',
        url: '/demo/company.html#bikes',
        title: 'Commuter 8 E › Hills and distance',
        providerMetadata: {
          chorus: { path: 'bikes/commuter-8-e.md', quote: 'Made for steep or long commutes.' },
        },
      },
      {
        type: 'source-document',
        sourceId: 'a:source:1',
        mediaType: 'text/html',
        title: 'Opening hours',
        filename: 'about.html',
        providerMetadata: { chorus: { quote: 'Tuesday to Friday 9:00 to 18:00.' } },
      },
    ]);
  });
});
