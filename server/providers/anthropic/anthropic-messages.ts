/**
 * The room transcript in Anthropic Messages form. Anthropic wants user and assistant messages
 * strictly alternating, starting with a user message; tool results travel as `tool_result` blocks
 * inside a user message (before any text), and tool calls as `tool_use` blocks preceded by the
 * signed thinking blocks that produced them.
 */
import type {
  ContentBlockParam,
  MessageParam,
  RedactedThinkingBlockParam,
  ThinkingBlockParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import type { ChatToolCall, ChatToolSpec, ChatTurn, ProviderMetadata } from '../chat-model.ts';
import { isRecord } from '../../lib/is-record.ts';
import { pairToolTurns } from '../paired-tool-turns.ts';

/** Sent first when a transcript opens with an assistant turn, since Anthropic wants a user turn first. */
export const TRANSCRIPT_OPENING = '(The conversation so far follows.)';

const thinkingBlocksSchema = z.array(
  z.union([
    z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
    z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
  ]),
);

/** The thinking blocks that led to a tool call, kept so they can be sent back with it. */
export type AnthropicThinkingBlock = ThinkingBlockParam | RedactedThinkingBlockParam;

/**
 * Wraps thinking blocks as a tool call's `providerMetadata`.
 * @example
 * thinkingMetadata([{ type: 'thinking', thinking: 'Use the calculator.', signature: 'sig' }]);
 * // { anthropic: { thinkingBlocks: [...] } }
 */
export function thinkingMetadata(blocks: AnthropicThinkingBlock[]): ProviderMetadata {
  return { anthropic: { thinkingBlocks: blocks } };
}

/**
 * The thinking blocks stored on the first tool call of an assistant turn, if any survive validation.
 * @example
 * readThinkingBlocks([{ callId: 't1', name: 'calculator', args: {}, providerMetadata: thinkingMetadata(blocks) }]); // blocks
 */
export function readThinkingBlocks(
  calls: readonly ChatToolCall[] | undefined,
): AnthropicThinkingBlock[] {
  const anthropic = calls?.[0]?.providerMetadata?.anthropic;
  if (!isRecord(anthropic)) return [];
  const parsed = thinkingBlocksSchema.safeParse(anthropic.thinkingBlocks);
  return parsed.success ? parsed.data : [];
}

/**
 * True when the transcript ends inside a tool loop whose thinking blocks were not kept: Anthropic
 * then refuses a request with thinking enabled, so the adapter sends that one without thinking.
 * @example
 * isToolLoopMissingThinking([question, assistantTurnWithToolCalls, toolResult]); // true unless the calls carry thinking
 */
export function isToolLoopMissingThinking(turns: readonly ChatTurn[]): boolean {
  let index = turns.length - 1;
  while (index >= 0 && turns[index]?.role === 'tool') index -= 1;
  const turn = turns[index];
  if (index === turns.length - 1 || turn?.role !== 'assistant' || !turn.toolCalls?.length)
    return false;
  return readThinkingBlocks(turn.toolCalls).length === 0;
}

/**
 * The turns as alternating Anthropic messages.
 * @example
 * toAnthropicMessages([{ role: 'user', name: 'Ada', content: 'Hi' }, { role: 'user', name: 'Bo', content: 'Yo' }]);
 * // [{ role: 'user', content: [{ type: 'text', text: 'Ada: Hi' }, { type: 'text', text: 'Bo: Yo' }] }]
 */
export function toAnthropicMessages(turns: readonly ChatTurn[]): MessageParam[] {
  const messages: { role: 'user' | 'assistant'; content: ContentBlockParam[] }[] = [];
  const append = (role: 'user' | 'assistant', blocks: ContentBlockParam[]): void => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };

  for (const turn of pairToolTurns(turns)) {
    if (turn.role === 'user') {
      const text = turn.name ? `${turn.name}: ${turn.content}` : turn.content;
      append('user', turn.content.trim() === '' ? [] : [{ type: 'text', text }]);
    } else if (turn.role === 'tool') {
      append('user', [{ type: 'tool_result', tool_use_id: turn.callId, content: turn.content }]);
    } else {
      const blocks: ContentBlockParam[] = [];
      // Anthropic rejects whitespace-only text and a final assistant text ending in whitespace.
      if (turn.content.trim() !== '') blocks.push({ type: 'text', text: turn.content.trimEnd() });
      for (const call of turn.toolCalls ?? []) {
        blocks.push({
          type: 'tool_use',
          id: call.callId,
          name: call.name,
          input: isRecord(call.args) ? call.args : {},
        });
      }
      if (blocks.length > 0)
        append('assistant', [...readThinkingBlocks(turn.toolCalls), ...blocks]);
    }
  }

  for (const message of messages) {
    if (message.role === 'user') message.content.sort(toolResultsFirst);
  }
  if (messages[0]?.role === 'assistant')
    messages.unshift({ role: 'user', content: [{ type: 'text', text: TRANSCRIPT_OPENING }] });
  return messages;
}

/**
 * Tool specs as Anthropic tools (`input_schema` must be an object schema).
 * @example
 * toAnthropicTools([{ name: 'calculator', description: 'Arithmetic', parameters: { type: 'object' } }]);
 */
export function toAnthropicTools(tools: readonly ChatToolSpec[]): Tool[] {
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.parameters, type: 'object' },
  }));
}

/** A stable sort key: `tool_result` blocks go before text in a user message. */
function toolResultsFirst(left: ContentBlockParam, right: ContentBlockParam): number {
  return Number(right.type === 'tool_result') - Number(left.type === 'tool_result');
}
