import { EN, type ChorusStrings } from '../widget/i18n/strings.ts';

/** Every string the inbox shows or announces (English; the widget's own strings for its parts). */
export const INBOX_STRINGS = {
  title: 'Chorus inbox',
  signInTitle: 'Sign in to the inbox',
  signInHelp:
    'Open the inbox link that npm start prints, or paste the admin key (CHORUS_ADMIN_KEY) here.',
  keyLabel: 'Admin key',
  nameLabel: 'Your name, as visitors see it',
  nameHelp: 'Visitors read it as “{name} from the team”.',
  signIn: 'Sign in',
  signOut: 'Sign out',
  signedInAs: 'Signed in as {name}',
  loadingRooms: 'Loading the support rooms…',
  noSupportRooms:
    'There is no support room yet. Make one with PUT /api/admin/rooms/:room {"kind": "support"}.',
  roomLabel: 'Support room',
  conversationsLabel: 'Conversations',
  noConversations: 'No conversations yet. They appear here as visitors write.',
  loadMore: 'Older conversations',
  loading: 'Loading…',
  noPreview: 'No messages yet',
  unreadSuffix: 'unread',
  pickConversation: 'Pick a conversation to read it and answer.',
  lastSession: 'Summary of the last session ({date}, {minutes} min, {count} messages)',
  back: 'Back to the conversations',
  statusBot: 'Agents',
  statusWaiting: 'Waiting',
  statusHuman: 'With {name}',
  statusHumanAnyone: 'With the team',
  statusClosed: 'Closed',
  takeOver: 'Take over',
  handBack: 'Hand back to the agents',
  close: 'Close',
  reopen: 'Reopen',
  mute: 'Mute visitor',
  unmute: 'Unmute visitor',
  mutedUntil: 'Muted until {time}',
  muted: 'Muted',
  visitorHere: 'here now',
  visitorAway: 'not on the page',
  deleteMessage: 'Delete',
  deleteMessageLabel: 'Delete the message of {name}',
  deleted: 'Message removed',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  actionFailed: 'That did not work: {error}',
  composerPlaceholder: 'Answer as the team (@ to ask an agent)',
  visitorSince: 'Visitor since {time}',
  conversationStatusChanged: 'Conversation now: {status}',
};

export type InboxStrings = typeof INBOX_STRINGS;

/** The widget's strings for its message list and composer, worded for staff. */
export const STAFF_WIDGET_STRINGS: ChorusStrings = {
  ...EN,
  emptyRoom: `${INBOX_STRINGS.noPreview}.`,
  messageRemoved: INBOX_STRINGS.deleted,
  composerPlaceholder: INBOX_STRINGS.composerPlaceholder,
  composerLabel: 'Your answer',
};
