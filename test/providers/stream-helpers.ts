/** Small helpers for tests that drive a {@link ChatModel} and look at what it streamed. */
import { createServer } from 'node:net';
import type { ChatModel, ChatRequest, ChatStreamPart } from '../../server/providers/chat-model.ts';
import type { ProviderError } from '../../server/providers/provider-error.ts';

/** A request with harmless defaults; pass what the test cares about. */
export function chatRequest(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'test-model',
    system: 'You are Sage (@sage).',
    turns: [{ role: 'user', name: 'Ada', content: 'Hello?' }],
    tools: [],
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Every part the model streams for `request`, in order. */
export async function collectParts(
  model: ChatModel,
  request: ChatRequest,
): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of model.stream(request)) parts.push(part);
  return parts;
}

/** The text of all `text-delta` parts joined. */
export function streamedText(parts: readonly ChatStreamPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
}

/** The text of all `reasoning-delta` parts joined. */
export function streamedReasoning(parts: readonly ChatStreamPart[]): string {
  return parts.map((part) => (part.type === 'reasoning-delta' ? part.delta : '')).join('');
}

/** The error of the stream's last part; fails the test when the stream did not end in an error. */
export function streamError(parts: readonly ChatStreamPart[]): ProviderError {
  const last = parts.at(-1);
  if (last?.type !== 'error')
    throw new Error(`expected the stream to end with an error part, got ${JSON.stringify(last)}`);
  return last.error;
}

/** The `type`s of the parts, for asserting order. */
export function partTypes(parts: readonly ChatStreamPart[]): string[] {
  return parts.map((part) => part.type);
}

/** A URL on which nothing listens: a server is started on a free port, then closed. */
export async function unusedLocalUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}
