/**
 * Both OpenAI and Anthropic reject a transcript where a tool call has no result right after it, or
 * a result answers no call. A transcript cut to fit a token budget can end up like that, so the
 * adapters send only well-paired tool turns.
 */
import type { ChatTurn } from './chat-model.ts';

/**
 * The turns with unpaired tool calls and tool results left out: an assistant turn keeps only the
 * calls answered by the tool turns that directly follow it (it is dropped when nothing else is
 * left), and a tool turn is kept only when it answers such a call.
 * @example
 * pairToolTurns([{ role: 'tool', callId: 'orphan', name: 'calculator', content: '84' }]); // []
 */
export function pairToolTurns(turns: readonly ChatTurn[]): ChatTurn[] {
  const paired: ChatTurn[] = [];
  let index = 0;
  while (index < turns.length) {
    const turn = turns[index] as ChatTurn;
    index += 1;
    if (turn.role === 'tool') continue; // a result with no call right before it
    if (turn.role !== 'assistant' || !turn.toolCalls?.length) {
      paired.push(turn);
      continue;
    }
    const results: Extract<ChatTurn, { role: 'tool' }>[] = [];
    while (index < turns.length && turns[index]?.role === 'tool') {
      results.push(turns[index] as Extract<ChatTurn, { role: 'tool' }>);
      index += 1;
    }
    const callIds = new Set(turn.toolCalls.map((call) => call.callId));
    const answered = new Set<string>();
    const keptResults = results.filter((result) => {
      if (!callIds.has(result.callId) || answered.has(result.callId)) return false;
      answered.add(result.callId);
      return true;
    });
    const keptCalls = turn.toolCalls.filter((call) => answered.has(call.callId));
    if (keptCalls.length > 0) paired.push({ ...turn, toolCalls: keptCalls });
    else if (turn.content.trim() !== '') paired.push({ role: 'assistant', content: turn.content });
    paired.push(...keptResults);
  }
  return paired;
}
