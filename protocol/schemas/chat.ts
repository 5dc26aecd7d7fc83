/**
 * `POST /api/rooms/:room/chat` (docs/architecture.md §9): the body the AI SDK's `useChat`
 * (`DefaultChatTransport`) sends, and the UI message stream chunks Chorus answers with. Unknown
 * top-level fields (what `body` or `prepareSendMessagesRequest` add) are accepted and dropped;
 * message ids are the SDK's own (any short string, not only UUIDs).
 */
import { z } from 'zod';

/** A `UIMessage` as the SDK sends it: only `id`, `role` and the text of its parts matter here. */
export const uiMessageSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(200)
      .describe("The SDK's message id (any string, e.g. `generateId()`'s)."),
    role: z.enum(['system', 'user', 'assistant']),
    parts: z
      .array(z.looseObject({ type: z.string(), text: z.string().optional() }))
      .max(1000)
      .describe('The message parts; the `text` parts of the last user message become the post.'),
  })
  .describe('An AI SDK `UIMessage`.');

/** The text of a UI message's `text` parts, joined by blank lines. */
export function uiMessageText(message: z.infer<typeof uiMessageSchema>): string {
  return message.parts
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text)
    .join('\n\n');
}

/**
 * The `useChat` request body for a server whose messages may have `maxChars` characters: the
 * last message is the user's new one and its text is posted to the room.
 */
export function chatRequestSchema(maxChars: number) {
  return z
    .object({
      id: z.string().min(1).max(200).describe("The chat's id (the SDK's; not used by Chorus)."),
      messages: z
        .array(uiMessageSchema)
        .min(1, 'must hold at least the new user message')
        .max(10_000)
        .describe('The whole conversation; only the last message (a user message) is read.'),
      trigger: z
        .literal('submit-message', {
          error:
            'must be "submit-message" (to regenerate a reply use POST /api/rooms/{room}/messages/{id}/regenerate)',
        })
        .describe('Only `submit-message`.'),
      messageId: z.string().max(200).optional().describe('Sent by the SDK on regenerate; ignored.'),
    })
    .superRefine((body, context) => {
      const last = body.messages.at(-1);
      if (!last) return;
      const path = ['messages', body.messages.length - 1];
      if (last.role !== 'user') {
        context.addIssue({
          code: 'custom',
          path: [...path, 'role'],
          message: 'must be "user" (the new message)',
        });
        return;
      }
      const text = uiMessageText(last);
      const problem =
        text.trim() === ''
          ? 'must have a text part that is not empty or only whitespace'
          : text.length > maxChars
            ? `must have at most ${maxChars} characters of text`
            : text.includes('\u0000')
              ? 'must not contain NUL characters'
              : /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)
                ? 'must be valid Unicode text (no lone surrogates)'
                : null;
      if (problem) context.addIssue({ code: 'custom', path: [...path, 'parts'], message: problem });
    })
    .describe(
      'The body `useChat` sends (`DefaultChatTransport`); other top-level fields are ignored.',
    );
}

const agentData = z.strictObject({
  id: z.string().describe("The agent's handle."),
  name: z.string(),
});

/**
 * One chunk of the AI SDK UI message stream as Chorus sends it (each an SSE `data:` line; the
 * stream ends with `data: [DONE]`): the SDK's `uiMessageChunkSchema` restricted to what Chorus emits.
 */
export const uiMessageChunkSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('start'), messageId: z.string() }),
    z
      .strictObject({ type: z.literal('data-agent'), id: z.string(), data: agentData })
      .describe('An agent reply begins (`id` the reply message id); its parts follow.'),
    z.strictObject({ type: z.literal('text-start'), id: z.string() }),
    z.strictObject({ type: z.literal('text-delta'), id: z.string(), delta: z.string() }),
    z.strictObject({ type: z.literal('text-end'), id: z.string() }),
    z.strictObject({ type: z.literal('reasoning-start'), id: z.string() }),
    z.strictObject({ type: z.literal('reasoning-delta'), id: z.string(), delta: z.string() }),
    z.strictObject({ type: z.literal('reasoning-end'), id: z.string() }),
    z.strictObject({
      type: z.literal('tool-input-available'),
      toolCallId: z.string(),
      toolName: z.string(),
      input: z.unknown(),
      dynamic: z.literal(true),
    }),
    z.strictObject({
      type: z.literal('tool-output-available'),
      toolCallId: z.string(),
      output: z.unknown(),
      dynamic: z.literal(true),
    }),
    z.strictObject({
      type: z.literal('tool-output-error'),
      toolCallId: z.string(),
      errorText: z.string(),
      dynamic: z.literal(true),
    }),
    z
      .strictObject({
        type: z.literal('source-url'),
        sourceId: z.string(),
        url: z.string(),
        title: z.string(),
        providerMetadata: z.strictObject({
          chorus: z.strictObject({ path: z.string(), quote: z.string() }),
        }),
      })
      .describe(
        'A knowledge passage the reply cites, with a page to link to (relative: a page of the site).',
      ),
    z
      .strictObject({
        type: z.literal('source-document'),
        sourceId: z.string(),
        mediaType: z.string(),
        title: z.string(),
        filename: z.string().describe('The source file, relative to the knowledge folder.'),
        providerMetadata: z.strictObject({ chorus: z.strictObject({ quote: z.string() }) }),
      })
      .describe('A knowledge passage the reply cites that has no page: its file.'),
    z.strictObject({
      type: z.literal('finish'),
      finishReason: z.enum(['stop', 'error', 'other']),
    }),
  ])
  .describe('One chunk of the AI SDK UI message stream (`x-vercel-ai-ui-message-stream: v1`).');

export type ChatRequest = z.infer<ReturnType<typeof chatRequestSchema>>;
export type UiMessageChunk = z.infer<typeof uiMessageChunkSchema>;
