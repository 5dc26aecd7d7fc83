/**
 * The room transcript in Chat Completions form. Other speakers' names go into the text
 * (`Name: text`) because the `name` field is ignored or rejected by many compatible servers.
 */
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ChatToolSpec, ChatTurn } from '../chat-model.ts';
import { pairToolTurns } from '../paired-tool-turns.ts';
import { serializeToolArguments } from '../tool-arguments.ts';

/**
 * The system prompt and turns as Chat Completions messages.
 * @example
 * toOpenAIMessages('You are Sage (@sage).', [{ role: 'user', name: 'Ada', content: 'Hi' }]);
 * // [{ role: 'system', content: 'You are Sage (@sage).' }, { role: 'user', content: 'Ada: Hi' }]
 */
export function toOpenAIMessages(
  system: string,
  turns: readonly ChatTurn[],
): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  if (system.trim() !== '') messages.push({ role: 'system', content: system });
  for (const turn of pairToolTurns(turns)) {
    if (turn.role === 'user') {
      messages.push({
        role: 'user',
        content: turn.name ? `${turn.name}: ${turn.content}` : turn.content,
      });
    } else if (turn.role === 'tool') {
      messages.push({ role: 'tool', tool_call_id: turn.callId, content: turn.content });
    } else if (turn.toolCalls?.length) {
      messages.push({
        role: 'assistant',
        content: turn.content === '' ? null : turn.content,
        tool_calls: turn.toolCalls.map((call) => ({
          id: call.callId,
          type: 'function',
          function: { name: call.name, arguments: serializeToolArguments(call.args) },
        })),
      });
    } else if (turn.content.trim() !== '') {
      messages.push({ role: 'assistant', content: turn.content });
    }
  }
  return messages;
}

/**
 * Tool specs as Chat Completions function tools.
 * @example
 * toOpenAITools([{ name: 'calculator', description: 'Arithmetic', parameters: { type: 'object' } }]);
 */
export function toOpenAITools(tools: readonly ChatToolSpec[]): ChatCompletionFunctionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}
