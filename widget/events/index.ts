export { ChorusReadyEvent, type ChorusReadyDetail } from './chorus-ready.ts';
export { ChorusMessageEvent, type ChorusMessageDetail } from './chorus-message.ts';
export { ChorusAgentStartEvent, type ChorusAgentStartDetail } from './chorus-agent-start.ts';
export { ChorusAgentEndEvent, type ChorusAgentEndDetail } from './chorus-agent-end.ts';
export { ChorusUnreadEvent, type ChorusUnreadDetail } from './chorus-unread.ts';
export { ChorusErrorEvent, type ChorusErrorDetail } from './chorus-error.ts';
