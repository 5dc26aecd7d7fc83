/**
 * A Server-Sent Events reader: the `data` of each event, lines joined with "\n"
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 * `event:`, `id:`, `retry:` and comment lines are ignored: OpenAI's Chat Completions and both
 * formats an HTTP agent may speak put everything in `data`.
 *
 * Why Chorus reads the streams itself: a reply arrives as one event per token, and the OpenAI
 * SDK's reader (a line decoder and two async generators per event) was a quarter of the server's
 * CPU at 400 concurrent replies (docs/decisions.md, "Provider streams read by Chorus").
 */

/**
 * Yields each event's data as text, in order; ends when the body ends. Stopping early (a `break`,
 * a `return`, an error in the loop) cancels the body, which closes the connection.
 * @example
 * for await (const data of readServerSentEvents(response.body)) console.log(JSON.parse(data));
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  const lines = new LineSplitter();
  let data: string[] = [];
  let ended = false;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (const line of done ? lines.end(text) : lines.push(text)) {
        if (line === '') {
          if (data.length > 0) yield data.join('\n');
          data = [];
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        }
      }
      if (done) break;
    }
    ended = true;
    // A last event the body ended without its blank line is still yielded (the spec drops it):
    // its words were streamed, and each adapter tells a cut stream by its missing final event.
    if (data.length > 0) yield data.join('\n');
  } finally {
    if (!ended) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/**
 * Splits text that arrives in pieces into lines ended by CRLF, LF or CR, keeping a line still
 * arriving for the next piece. A CRLF split between two pieces is one line break, and a long line
 * in many pieces is joined once, not rescanned with every piece.
 */
class LineSplitter {
  private partial = '';
  private afterCarriageReturn = false;

  push(text: string): string[] {
    let start = 0;
    if (this.afterCarriageReturn && text.startsWith('\n')) start = 1;
    this.afterCarriageReturn = false;
    const lines: string[] = [];
    for (let index = start; index < text.length; index += 1) {
      const code = text.charCodeAt(index);
      if (code !== 10 && code !== 13) continue;
      lines.push(this.partial + text.slice(start, index));
      this.partial = '';
      if (code === 13) {
        if (index + 1 === text.length) this.afterCarriageReturn = true;
        else if (text.charCodeAt(index + 1) === 10) index += 1;
      }
      start = index + 1;
    }
    if (start < text.length) this.partial += text.slice(start);
    return lines;
  }

  /** The last piece: a line without its line break ends with the text. */
  end(text: string): string[] {
    const lines = this.push(text);
    if (this.partial !== '') lines.push(this.partial);
    this.partial = '';
    return lines;
  }
}
