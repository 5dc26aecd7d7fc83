/**
 * The offline personas' voices. Each voice turns the same understanding of the transcript (a
 * {@link ReplyContext}) into its own words: Sage explains patiently, Scout is terse and reaches for
 * tools, Critic doubts. Unknown model names get a plain assistant voice.
 */
import { criticAnswer, sageAnswer, scoutAnswer, scoutFollowUp } from './persona-answers.ts';
import type { Question } from './question-reading.ts';
import type { ToolIntent } from './transcript-reading.ts';
import type { ToolResultSummary } from './tool-results.ts';

/** What a voice knows when it speaks. Every quoted text is already free of @ signs. */
export interface ReplyContext {
  self: { name: string; handle: string };
  /** What to call the person being answered: the name they gave, or their display name. */
  askerName: string | undefined;
  /** A short phrase for what the message is about. */
  topic: string | undefined;
  /** The question being answered, read for its kind, terms and quantities. */
  question: Question;
  /** The latest thing someone else in the room said, as an excerpt. */
  earlierRemark: { speaker: string; text: string } | undefined;
  /** The tools offered in this request, by name. */
  toolNames: string[];
  /** A number derived from the transcript, to vary the wording deterministically. */
  variant: number;
}

export interface Voice {
  /** The name used when the system prompt does not say "You are <Name> (@handle)". */
  defaultName: string;
  /** A short visible "thinking" line before the answer, for voices that show one. */
  reasoning(subject: string): string | undefined;
  answer(context: ReplyContext): string;
  recallName(context: ReplyContext, name: string | undefined): string;
  greet(context: ReplyContext, name: string): string;
  introduce(context: ReplyContext): string;
  toolPreface(intent: ToolIntent): string;
  toolAnswer(context: ReplyContext, toolName: string, summary: ToolResultSummary): string;
  /** The closing line that hands the conversation to other agents (each handle without `@`). */
  handoff(handles: string[]): string;
}

function mentionList(handles: string[]): string {
  const mentions = handles.map((handle) => `@${handle}`);
  return mentions.length <= 1
    ? (mentions[0] ?? '')
    : `${mentions.slice(0, -1).join(', ')} and ${mentions.at(-1)}`;
}

function quote(remark: { speaker: string; text: string }): string {
  return `${remark.speaker} said “${remark.text}”`;
}

function toolFailure(toolName: string, summary: ToolResultSummary): string {
  return summary.isError ? `The ${toolName} tool failed: ${summary.error}` : summary.sentence;
}

const sage: Voice = {
  defaultName: 'Sage',
  reasoning: (subject) => `Thinking about ${subject}…`,
  answer: (context) => sageAnswer(context.question, context),
  recallName(context, name) {
    if (!name) {
      const known = context.askerName ? ` The room only shows you as ${context.askerName}.` : '';
      return `You haven't told me your name yet, so I can't remember it.${known} Tell me what you would like to be called and I will use it from then on; in a room with several people and agents, names are the simplest way to keep track of who asked what.`;
    }
    return `You told us earlier that your name is ${name}. So you are ${name}, and I will keep that in mind as we go on.\n\nNames matter in a shared room: with several people and agents talking at once, they are the simplest way to keep track of who asked what, and to pick the thread up again later.`;
  },
  greet(context, name) {
    return `Nice to meet you, ${name}! I'm ${context.self.name}. I'll remember your name for the rest of this conversation.\n\nI like to take questions slowly and explain the reasoning behind an answer, not just the answer itself. What would you like to think through together?`;
  },
  introduce(context) {
    return `I'm ${context.self.name}, one of the agents in this room. I like to take a question apart slowly and explain the reasoning behind an answer, not just the answer itself.\n\nAsk me about anything that's been said here and I'll try to connect it to the rest of the conversation. Mention me with my handle, ${context.self.handle}, to bring me in.`;
  },
  toolPreface(intent) {
    if (intent.name === 'calculator')
      return 'Let me work that out with the calculator rather than in my head.';
    if (intent.name === 'current_time') return 'Let me check the clock rather than guess.';
    return `Let me look through the room history for “${intent.args.query}”.`;
  },
  toolAnswer(context, toolName, summary) {
    if (summary.isError)
      return `${toolFailure(toolName, summary)}. Let's not guess instead: could you rephrase the question, or give me the pieces and we can reason it out together?`;
    return `${summary.sentence}\n\nThat comes straight from the ${toolName} tool rather than from my memory, so you can rely on it. If you'd like, I can explain how it fits into what we were discussing.`;
  },
  handoff: (handles) =>
    `${mentionList(handles)}, I'd value your perspective on this. What do you think?`,
};

const scout: Voice = {
  defaultName: 'Scout',
  reasoning: (subject) => `Looking into ${subject}…`,
  answer: (context) => scoutAnswer(context.question, context),
  recallName(context, name) {
    if (!name)
      return `Checked the transcript:\n- No name given yet${context.askerName ? ` (display name: ${context.askerName})` : ''}.\n- Say "my name is …" and I'll have it on record.\nNothing to look up until then.`;
    return `Checked the transcript:\n- You said your name is ${name}.\n- So: you're ${name}.\nNo tool needed for that one; it was on record. Anything else to look up?`;
  },
  greet(context, name) {
    return `Noted: ${name}.\n- I'm ${context.self.name}, the researcher here.\n- I check facts with tools: ${context.toolNames.length > 0 ? context.toolNames.join(', ') : 'none offered in this room yet'}.\nWhat should I look into?`;
  },
  introduce(context) {
    return `${context.self.name}, researcher.\n- I check before I answer: numbers, times, what was said.\n- Tools on hand: ${context.toolNames.length > 0 ? context.toolNames.join(', ') : 'none in this room'}.\n- Handle: ${context.self.handle}.\nGive me something to look up.`;
  },
  toolPreface(intent) {
    if (intent.name === 'calculator') return 'Running the numbers.';
    if (intent.name === 'current_time') return 'Checking the clock.';
    return `Searching the history for “${intent.args.query}”.`;
  },
  toolAnswer(context, toolName, summary) {
    if (summary.isError)
      return `${toolFailure(toolName, summary)}.\n\n- Nothing verified.\n- Try rephrasing and I'll run it again.`;
    const figures = toolName === 'calculator' ? scoutFollowUp(context.question) : undefined;
    return [`Result: ${summary.sentence}`, figures, `Source: ${toolName}. Verified, not guessed.`]
      .filter(Boolean)
      .join('\n\n');
  },
  handoff: (handles) => `${mentionList(handles)}, over to you.`,
};

const critic: Voice = {
  defaultName: 'Critic',
  reasoning: (subject) => `Thinking about what could go wrong with ${subject}…`,
  answer: (context) => criticAnswer(context.question, context),
  recallName(context, name) {
    if (!name)
      return `You haven't told us your name${context.askerName ? `; all I have is the display name ${context.askerName}, and display names prove nothing` : ''}. I won't invent one. Tell me, and I'll take your word for it, provisionally.`;
    return `Your name is ${name}. At least, that is what you told us earlier, and I have no reason to doubt it.\n\n(Strictly speaking I'm taking your word for it: nothing in this room verifies names. For a chat, that's an acceptable risk.)`;
  },
  greet(context, name) {
    return `Hello, ${name}. I'm ${context.self.name}: my job here is to find the holes in an argument before reality does.\n\nDon't take it personally when I push back. Bring me a plan, a claim or a number, and I'll tell you what I'd check first.`;
  },
  introduce(context) {
    return `I'm ${context.self.name}, the skeptic of this room. When someone proposes something, I ask what evidence supports it, what breaks first and how we'd notice being wrong.\n\nI'm not here to be negative, only to make the good ideas survive contact with reality. Call me with ${context.self.handle} when you want a second look.`;
  },
  toolPreface(intent) {
    if (intent.name === 'calculator') return "Let's not trust mental arithmetic. Computing it.";
    if (intent.name === 'current_time') return "I won't assume the time. Checking.";
    return `Memory is unreliable; checking the record for “${intent.args.query}”.`;
  },
  toolAnswer(_context, toolName, summary) {
    if (summary.isError)
      return `${toolFailure(toolName, summary)}. Which is exactly why we check: without it, we'd have been guessing. Rephrase it and I'll try again.`;
    return `${summary.sentence}\n\nGood: that one is checked rather than assumed. The harder question is what we conclude from it, and that's where I'd still be careful.`;
  },
  handoff: (handles) => `${mentionList(handles)}, your turn: convince me.`,
};

const assistant: Voice = {
  defaultName: 'Assistant',
  reasoning: () => undefined,
  answer(context) {
    const thanks = context.askerName
      ? `Thanks for the message, ${context.askerName}.`
      : 'Thanks for the message.';
    const remark = context.earlierRemark
      ? ` Earlier, ${quote(context.earlierRemark)}, which is worth keeping in mind.`
      : '';
    return `${thanks} ${context.topic ? `About “${context.topic}”: here` : 'Here'} is a short answer based on what has been said in this room so far.${remark}\n\nI'm an offline persona, so I answer from the transcript rather than from a language model. Ask me to calculate something, check the time or search the room history to see tools at work.`;
  },
  recallName(context, name) {
    if (!name)
      return `I don't know your name yet${context.askerName ? ` (the room shows you as ${context.askerName})` : ''}. Tell me, for example "my name is Sam", and I'll remember it for this conversation.`;
    return `Your name is ${name}: you told us earlier in this conversation. I'll keep using it from here on, so feel free to ask me anything else.`;
  },
  greet(context, name) {
    return `Nice to meet you, ${name}. I'm ${context.self.name}, and I'll remember your name for this conversation. I answer from the room's transcript, and I can use tools when they're available. What can I help with?`;
  },
  introduce(context) {
    return `I'm ${context.self.name}, an offline assistant persona in this room. I answer from the transcript, remember what people tell me, and use tools when they're offered. Mention me with ${context.self.handle} to bring me in.`;
  },
  toolPreface(intent) {
    if (intent.name === 'calculator') return 'Let me use the calculator.';
    if (intent.name === 'current_time') return 'Let me check the time.';
    return `Let me search the room history for “${intent.args.query}”.`;
  },
  toolAnswer(_context, toolName, summary) {
    return summary.isError
      ? `${toolFailure(toolName, summary)}. Could you rephrase the request?`
      : summary.sentence;
  },
  handoff: (handles) => `${mentionList(handles)}, could you weigh in?`,
};

const VOICES: Record<string, Voice> = { sage, scout, critic };

/**
 * The voice for a model name (`sage`, `scout`, `critic`, case-insensitive); a plain assistant
 * voice for any other name.
 * @example
 * voiceFor('critic').handoff(['sage']); // '@sage, your turn: convince me.'
 */
export function voiceFor(model: string): Voice {
  return VOICES[model.trim().toLowerCase()] ?? assistant;
}
