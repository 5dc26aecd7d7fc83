/**
 * The sources an HTTP agent cites (docs/http-agents.md): the AI SDK's `source-url` and
 * `source-document` chunks read as the reply's citation parts, within bounds, since their text is
 * the agent's and untrusted.
 */
import type { SourcePart } from '../../../protocol/room.ts';
import { shortenText } from '../../../protocol/text.ts';
import { isRecord } from '../../lib/is-record.ts';

/** How many of an agent's sources one reply keeps. */
export const MAX_SOURCES = 10;
/** How long a source's title, quote and path may be. */
const MAX_SOURCE_TITLE = 200;
const MAX_SOURCE_QUOTE = 240;
const MAX_SOURCE_PATH = 500;
/** A longer URL is dropped, not cut (a cut URL leads elsewhere). */
const MAX_SOURCE_URL = 2048;

/**
 * An AI SDK source chunk as a cited source: `source-url` links to its `url`, `source-document`
 * names its `filename`; the path and quote Chorus's own stream sends in `providerMetadata.chorus`
 * (server/http/routes/ui-message-stream.ts) are read back. Untitled and unnamed: none.
 */
export function readSource(chunk: Record<string, unknown>): SourcePart | undefined {
  const metadata = isRecord(chunk.providerMetadata) ? chunk.providerMetadata.chorus : undefined;
  const chorus = isRecord(metadata) ? metadata : {};
  const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
  const given = chunk.type === 'source-url' ? text(chunk.url) : '';
  const url = given.length <= MAX_SOURCE_URL ? given : '';
  const path = text(chorus.path) || text(chunk.filename);
  const title = text(chunk.title) || path || url;
  if (!title) return undefined;
  return {
    type: 'source',
    title: shortenText(title, MAX_SOURCE_TITLE),
    url: url || null,
    path: shortenText(path, MAX_SOURCE_PATH),
    quote: shortenText(text(chorus.quote), MAX_SOURCE_QUOTE),
  };
}
