/**
 * The ESM entry of the Chorus widget (`chorus.mjs`). Importing it registers `<chorus-chat>`
 * (guarded, see `define.ts`); everything else is re-exports.
 * @example
 * import 'https://chat.example.com/chorus.mjs';
 * // or: import { ChorusChat } from '…/chorus.mjs';
 */
export { defineChorusElements, define } from './define.ts';
export { ChorusChat, type ChatMode, type ChatTheme } from './components/chat/chat.ts';
export { ChorusChatHeader } from './components/header/header.ts';
export { ChorusMessageList } from './components/message-list/message-list.ts';
export { ChorusComposer } from './components/composer/composer.ts';
export * from './events/index.ts';
export { EN, type ChorusStrings } from './i18n/strings.ts';
export { ChorusError } from './lib/chorus-error.ts';
export { RoomClient, type RoomClientOptions } from './room/room-client.ts';
export type {
  ConnectionState,
  ConnectionStatus,
  RoomConnection,
  RoomConnectionEvents,
  RoomInfo,
  SessionInfo,
  LiveEvent,
} from './room/room-connection.ts';
export type { ChorusUser, HostIdentity, AgentInfo, StopTarget } from './room/api-types.ts';
export { Transcript, type MergeOutcome } from './room/transcript.ts';
export type { Message, MessagePart, PresenceMeta, ReplyReason } from '../protocol/room.ts';
