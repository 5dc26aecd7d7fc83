import type { FinishReason } from './chat-model.ts';

/**
 * OpenAI Chat Completions' finish reasons in the seam's terms, for the OpenAI adapter and HTTP
 * agents that answer in that format. Some compatible servers say `stop` after a tool call, so a
 * reply that made tool calls always finishes with `tool-calls`.
 * @example chatCompletionsFinishReason('length', false) // 'length'
 */
export function chatCompletionsFinishReason(
  reason: string | undefined,
  madeToolCalls: boolean,
): FinishReason {
  if (madeToolCalls) return 'tool-calls';
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}
