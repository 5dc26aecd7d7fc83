/**
 * Decides what an offline persona says, from the request alone: a pure, deterministic function
 * (same request, same plan), kept apart from the pacing so it can be tested directly.
 */
import type { SourcePart } from '../../../protocol/room.ts';
import { knowledgeQuery } from '../../knowledge/answerability.ts';
import type { ChatRequest, ChatTurn } from '../chat-model.ts';
import {
  knowledgeAnswer,
  knowledgePreface,
  knowledgeAnswers,
  noKnowledge,
  readPassages,
} from './knowledge-answers.ts';
import { readNumbers } from './number-reading.ts';
import { readQuestion, type Question } from './question-reading.ts';
import { summarizeToolResult } from './tool-results.ts';
import {
  asksForOwnName,
  asksWhoYouAre,
  detectToolIntent,
  excerpt,
  findLastUserTurn,
  findTopic,
  handoffTargets,
  introducedName,
  latestRemarkByOthers,
  plainText,
  readOwnIdentity,
  rememberedName,
  type ToolIntent,
} from './transcript-reading.ts';
import { voiceFor, type ReplyContext, type Voice } from './voices.ts';

/**
 * What the persona will stream: optional reasoning, then text, then the sources the text quotes,
 * then optionally one tool call.
 */
export interface ReplyPlan {
  reasoning?: string;
  text: string;
  sources?: SourcePart[];
  toolCall?: ToolIntent & { callId: string };
}

/**
 * The reply to `request`: answers the last user turn from the transcript, calls a tool when the
 * message asks for one that is offered, uses tool results that end the transcript, and ends with an
 * @mention of the agents the message asks to involve.
 * @example
 * planReply({ model: 'sage', system: 'You are Sage (@sage).', tools: [], signal,
 *   turns: [{ role: 'user', content: 'My name is Lucky' }, { role: 'user', content: 'What is my name?' }] }).text;
 * // 'You told us earlier that your name is Lucky. …'
 */
export function planReply(
  request: Pick<ChatRequest, 'model' | 'system' | 'turns' | 'tools'>,
): ReplyPlan {
  const voice = voiceFor(request.model);
  const identity = readOwnIdentity(request.system);
  const self = {
    name: identity.name ?? voice.defaultName,
    handle: identity.handle ?? request.model.trim().toLowerCase(),
  };
  const toolNames = request.tools.map((tool) => tool.name);
  const last = findLastUserTurn(request.turns);
  const variant = hash(`${request.turns.length}:${last?.turn.content ?? ''}:${self.handle}`);

  if (!last) {
    const context: ReplyContext = {
      self,
      askerName: undefined,
      topic: undefined,
      question: readQuestion(''),
      earlierRemark: undefined,
      toolNames,
      variant,
    };
    return { text: voice.introduce(context) };
  }
  const { turn: question, index } = last;
  const remark = latestRemarkByOthers(request.turns, index, question.name);
  const ownTopic = findTopic(question.content);
  const context: ReplyContext = {
    self,
    askerName:
      introducedName(question.content) ??
      rememberedName(request.turns, index, question.name) ??
      question.name,
    // "@sage ask @critic what they think" has no topic of its own: it is about the message before,
    // which the voices already quote when someone else said it.
    topic:
      ownTopic ??
      (remark?.index === index - 1 ? undefined : findTopic(turnBefore(request.turns, index))),
    // Likewise the question to answer: the message itself, or the one it refers to.
    question: readQuestion(
      ownTopic !== undefined
        ? question.content
        : remark?.index === index - 1
          ? remark.text
          : turnBefore(request.turns, index) || question.content,
    ),
    earlierRemark: remark ? { speaker: remark.speaker, text: excerpt(remark.text) } : undefined,
    toolNames,
    variant,
  };
  const handoff = handoffTargets(question.content, self.handle);
  const withHandoff = (text: string): string =>
    handoff.length > 0 ? `${text}\n\n${voice.handoff(handoff)}` : text;

  const toolResults = trailingToolResults(request.turns);
  if (toolResults.length > 0) {
    const sources: SourcePart[] = [];
    const answers = toolResults.map(({ name, args, content }) => {
      const passages = name === 'search_knowledge' ? readPassages(content) : undefined;
      if (passages && knowledgeAnswers(context.question, passages)) {
        const answer = knowledgeAnswer(self.handle, context.question, passages);
        sources.push(...answer.sources);
        return answer.text;
      }
      if (passages)
        return `${noKnowledge(self.handle, context.question)}\n\n${voice.answer(context)}`;
      return voice.toolAnswer(context, name, summarizeToolResult(name, args, content));
    });
    // The text before the call (its preface) and this text form one message: keep them apart.
    const caller = request.turns.findLast((turn) => turn.role === 'assistant');
    const separator = caller?.content.trim() ? '\n\n' : '';
    return withReasoning(voice, `the ${toolResults[0]?.name ?? 'tool'} result`, {
      text: separator + withHandoff(answers.join('\n\n')),
      ...(sources.length > 0 ? { sources } : {}),
    });
  }

  const intent = alreadyCalledTools(request.turns, index)
    ? undefined
    : (detectToolIntent(question.content, request.tools) ??
      derivedCalculation(context.question, toolNames));
  if (intent) {
    const callId = `call_offline_${hash(`${variant}:${intent.name}:${JSON.stringify(intent.args)}`).toString(36)}`;
    return withReasoning(voice, describeIntent(intent), {
      text: voice.toolPreface(intent),
      toolCall: { ...intent, callId },
    });
  }

  const subject = context.topic
    ? `“${excerpt(context.topic, 60)}”`
    : context.earlierRemark
      ? `what ${context.earlierRemark.speaker} said`
      : 'the question';
  if (asksForOwnName(question.content)) {
    const name = rememberedName(request.turns, index, question.name);
    return withReasoning(voice, 'your name', {
      text: withHandoff(voice.recallName({ ...context, askerName: question.name }, name)),
    });
  }
  const newName = introducedName(question.content);
  if (newName)
    return withReasoning(voice, subject, { text: withHandoff(voice.greet(context, newName)) });
  if (asksWhoYouAre(question.content)) return { text: withHandoff(voice.introduce(context)) };
  // A question the site's knowledge may answer: look it up first (docs/architecture.md §12).
  if (
    toolNames.includes('search_knowledge') &&
    !alreadyCalledTools(request.turns, index) &&
    context.question.terms.length > 0
  ) {
    const query = knowledgeQuery(context.question.text);
    const knowledgeIntent: ToolIntent = { name: 'search_knowledge', args: { query } };
    const callId = `call_offline_${hash(`${variant}:search_knowledge:${query}`).toString(36)}`;
    return withReasoning(voice, "the site's knowledge", {
      text: knowledgePreface(self.handle),
      toolCall: { ...knowledgeIntent, callId },
    });
  }
  return withReasoning(voice, subject, { text: withHandoff(voice.answer(context)) });
}

function withReasoning(voice: Voice, subject: string, plan: ReplyPlan): ReplyPlan {
  const reasoning = voice.reasoning(subject);
  return reasoning ? { reasoning, ...plan } : plan;
}

/** What a tool call is about, for the reasoning line. */
function describeIntent(intent: ToolIntent): string {
  if (intent.name === 'calculator') return intent.args.expression ?? 'the arithmetic';
  if (intent.name === 'current_time') return 'the current time';
  if (intent.name === 'search_knowledge') return "the site's knowledge";
  return `mentions of “${intent.args.query ?? ''}”`;
}

/** For "@sage ask @critic what they think": the topic is in the message before. */
function turnBefore(turns: readonly ChatTurn[], index: number): string {
  for (let earlier = index - 1; earlier >= 0; earlier -= 1) {
    const turn = turns[earlier];
    if (turn?.role === 'user' && plainText(turn.content) !== '') return turn.content;
  }
  return '';
}

/** "Is €1,200 a year cheaper than €110 a month?": the sum that settles it, for the calculator. */
function derivedCalculation(
  question: Question,
  toolNames: readonly string[],
): ToolIntent | undefined {
  if (!toolNames.includes('calculator') || question.kind !== 'numbers') return undefined;
  const expression = readNumbers(question).expression;
  return expression ? { name: 'calculator', args: { expression } } : undefined;
}

/** The tool results that end the transcript, with the name and arguments of the call each answers. */
function trailingToolResults(
  turns: readonly ChatTurn[],
): { name: string; args: unknown; content: string }[] {
  const results: { name: string; args: unknown; content: string }[] = [];
  let index = turns.length - 1;
  while (turns[index]?.role === 'tool') index -= 1;
  const caller = turns[index];
  for (const turn of turns.slice(index + 1)) {
    if (turn.role !== 'tool') continue;
    const call =
      caller?.role === 'assistant'
        ? caller.toolCalls?.find((candidate) => candidate.callId === turn.callId)
        : undefined;
    results.push({ name: turn.name, args: call?.args, content: turn.content });
  }
  return results;
}

/** True when a tool was already called after the question: answer without calling it again. */
function alreadyCalledTools(turns: readonly ChatTurn[], questionIndex: number): boolean {
  return turns
    .slice(questionIndex + 1)
    .some(
      (turn) =>
        turn.role === 'tool' || (turn.role === 'assistant' && (turn.toolCalls?.length ?? 0) > 0),
    );
}

/** FNV-1a: a small, stable hash for deterministic choices and call ids. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value;
}
