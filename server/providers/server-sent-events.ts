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
 * a `return`, an error in the loop) closes the body (a web stream is cancelled), which closes the
 * connection.
 * @example
 * for await (const data of readServerSentEvents(responseChunks(response))) console.log(JSON.parse(data));
 */
export async function* readServerSentEvents(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  const events = new EventSplitter();
  for await (const chunk of body)
    for (const data of events.push(decoder.decode(chunk, { stream: true }))) yield data;
  for (const data of events.end(decoder.decode())) yield data;
}

/** Turns lines into the data of complete events (`data:` lines joined, other fields ignored). */
class EventSplitter {
  private readonly lines = new LineSplitter();
  private data: string[] = [];

  push(text: string): string[] {
    return this.take(this.lines.push(text));
  }

  /**
   * The last piece. A last event the body ended without its blank line is still complete (the
   * spec drops it): its words were streamed, and each adapter tells a cut stream by its missing
   * final event.
   */
  end(text: string): string[] {
    const events = this.take(this.lines.end(text));
    if (this.data.length > 0) events.push(this.data.join('\n'));
    this.data = [];
    return events;
  }

  private take(lines: string[]): string[] {
    const events: string[] = [];
    for (const line of lines) {
      if (line === '') {
        if (this.data.length > 0) events.push(this.data.join('\n'));
        this.data = [];
      } else if (line.startsWith('data:')) {
        this.data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
    }
    return events;
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
