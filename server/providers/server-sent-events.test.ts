import { describe, expect, it } from 'vitest';
import { responseChunks } from './provider-fetch.ts';
import { readServerSentEvents } from './server-sent-events.ts';

/** A body that arrives in exactly these pieces (bytes, so a character can be split). */
function body(...pieces: Array<string | Uint8Array>): {
  stream: AsyncIterable<Uint8Array>;
  cancelled: () => boolean;
} {
  const encoder = new TextEncoder();
  let finished = false;
  let cancelled = false;
  async function* stream() {
    try {
      for (const piece of pieces) yield typeof piece === 'string' ? encoder.encode(piece) : piece;
      finished = true;
    } finally {
      cancelled = !finished;
    }
  }
  return { stream: stream(), cancelled: () => cancelled };
}

async function events(stream: AsyncIterable<Uint8Array>): Promise<string[]> {
  const seen: string[] = [];
  for await (const data of readServerSentEvents(stream)) seen.push(data);
  return seen;
}

describe('readServerSentEvents', () => {
  it('yields the data of each event, however the body is cut into pieces', async () => {
    const text = 'data: {"a":1}\n\ndata: {"b":2}\n\n';
    for (let cut = 1; cut < text.length; cut += 1) {
      const { stream } = body(text.slice(0, cut), text.slice(cut));
      expect(await events(stream)).toEqual(['{"a":1}', '{"b":2}']);
    }
  });

  it('joins the data lines of one event, and ignores comments and other fields', async () => {
    const { stream } = body(': keep-alive\n', 'event: delta\nid: 7\ndata: one\ndata:two\n\n');

    expect(await events(stream)).toEqual(['one\ntwo']);
  });

  it('takes CRLF and CR line breaks, also a CRLF split between two pieces', async () => {
    const { stream } = body('data: a\r', '\ndata: b\r\n\r', '\ndata: c\r\rdata: d\r\n\r\n');

    expect(await events(stream)).toEqual(['a\nb', 'c', 'd']);
  });

  it('keeps a character whose bytes arrive in two pieces', async () => {
    const bytes = new TextEncoder().encode('data: héllo 👋\n\n');
    const { stream } = body(bytes.slice(0, 9), bytes.slice(9, 16), bytes.slice(16));

    expect(await events(stream)).toEqual(['héllo 👋']);
  });

  it('reads a long event that arrives in many pieces', async () => {
    const long = 'x'.repeat(200_000);
    const pieces = ['data: ', ...long.match(/.{1,100}/g)!, '\n\n'];

    expect(await events(body(...pieces).stream)).toEqual([long]);
  });

  it('yields a last event the body ended without its blank line', async () => {
    expect(await events(body('data: first\n\ndata: last').stream)).toEqual(['first', 'last']);
  });

  it('reads a web stream body (what the built-in fetch gives)', async () => {
    const response = new Response('data: one\n\ndata: two\n\n');
    expect(await events(responseChunks(response))).toEqual(['one', 'two']);
  });

  it('closes the body when the reader stops early', async () => {
    const { stream, cancelled } = body('data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n');

    for await (const data of readServerSentEvents(stream)) if (data === '1') break;

    expect(cancelled()).toBe(true);
  });
});
