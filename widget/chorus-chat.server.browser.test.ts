/// <reference types="mocha" />
// <chorus-chat> against the real Chorus server that `npm run test:browser` starts
// (test/helpers/browser-test-server.ts): offline personas at a slowed pace, one seeded room per
// test so that tests never see each other's messages.
import { sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import type { BrowserTestConfig } from '../test/helpers/browser-test-server.ts';
import type { ChorusChat } from './components/chat/chat.ts';
import { createChorusGlobal } from './embed/chorus-global.ts';
import type { ChorusReadyEvent } from './events/chorus-ready.ts';
import { axeViolations } from './test-support/axe.ts';
import { find, findAll, get, settle, until } from './test-support/mount-chat.ts';

/** Replies take 2–4 s at the test server's pace; every wait below is bounded by this. */
const REPLY_TIMEOUT_MS = 15_000;

let config: BrowserTestConfig;
const mounted: ChorusChat[] = [];
/** What each chat's `chorus-ready` said (its room: in a support room, the visitor's conversation). */
const readyOf = new WeakMap<ChorusChat, ChorusReadyEvent['detail']>();

async function testConfig(): Promise<BrowserTestConfig> {
  const response = await fetch('/__chorus/test-config.json');
  if (!response.ok) throw new Error(`test config: HTTP ${response.status}`);
  return (await response.json()) as BrowserTestConfig;
}

/** An inline `<chorus-chat>` joined to `room` on the test server (resolves on `chorus-ready`). */
async function joinRoom(room: string, name: string): Promise<ChorusChat> {
  const chat = document.createElement('chorus-chat');
  chat.setAttribute('room', room);
  chat.setAttribute('server', config.url);
  chat.setAttribute('mode', 'inline');
  chat.setAttribute('name', name);
  chat.setAttribute('theme', 'light');
  chat.style.setProperty('--chorus-height', '420px');
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not join ${room}`)),
      REPLY_TIMEOUT_MS,
    );
    chat.addEventListener(
      'chorus-ready',
      (event) => {
        clearTimeout(timer);
        readyOf.set(chat, event.detail);
        resolve();
      },
      { once: true },
    );
  });
  document.body.append(chat);
  mounted.push(chat);
  await ready;
  await settle(chat);
  return chat;
}

interface Bubble {
  id: string;
  kind: 'agent' | 'human' | 'system';
  own: boolean;
  author: string;
  text: string;
  /** From the `message--<status>` class: streaming, complete, cancelled, error, interrupted. */
  status: string;
  /** The visible status line (`Stopped`, `Sending…`…), empty when none. */
  statusLine: string;
  element: HTMLElement;
}

/** The transcript as rendered, in order. */
function bubbles(chat: ChorusChat): Bubble[] {
  return findAll(chat, '[part~="message"]').map((element) => {
    const parts = element.getAttribute('part')?.split(/\s+/) ?? [];
    const kind = parts.includes('message--agent')
      ? 'agent'
      : parts.includes('message--system')
        ? 'system'
        : 'human';
    const status =
      [...element.classList]
        .find((name) => /^message--(streaming|complete|cancelled|error|interrupted)$/.test(name))
        ?.slice('message--'.length) ?? '';
    return {
      id: element.dataset['id'] ?? '',
      kind,
      own: parts.includes('message--own'),
      author: element.querySelector('[part="message__author"]')?.textContent?.trim() ?? '',
      text: element.querySelector('[part="message__content"]')?.textContent?.trim() ?? '',
      status,
      statusLine: element.querySelector('[part="message__status"]')?.textContent?.trim() ?? '',
      element,
    };
  });
}

const agentBubbles = (chat: ChorusChat) =>
  bubbles(chat).filter((bubble) => bubble.kind === 'agent');

/** Types into the composer and presses Enter, with real key events. */
async function typeAndSend(chat: ChorusChat, text: string): Promise<void> {
  get<HTMLTextAreaElement>(chat, 'chorus-composer textarea, textarea').focus();
  await sendKeys({ type: text });
  await sendKeys({ press: 'Enter' });
}

/** Waits until the room has `count` agent replies, all finished with some text. */
async function untilRepliesFinish(
  chat: ChorusChat,
  count: number,
  allowed: readonly string[] = ['complete'],
): Promise<Bubble[]> {
  await until(() => {
    const agents = agentBubbles(chat);
    expect(agents.length, 'agent replies').to.be.at.least(count);
    for (const bubble of agents) {
      expect(allowed, `status of ${bubble.author}'s reply`).to.include(bubble.status);
    }
  }, REPLY_TIMEOUT_MS);
  return agentBubbles(chat);
}

describe('<chorus-chat> against the real server', function () {
  this.timeout(40_000);

  before(async () => {
    config = await testConfig();
  });

  afterEach(() => {
    for (const chat of mounted.splice(0)) chat.remove();
  });

  it('joins and sends: the own message appears exactly once, and the agent answers', async () => {
    const chat = await joinRoom(config.widgetRooms.send, 'Ada');
    const text = `Hello from the widget ${crypto.randomUUID().slice(0, 8)}`;
    await typeAndSend(chat, text);

    await until(() => {
      const own = bubbles(chat).filter((bubble) => bubble.text === text);
      expect(own).to.have.length(1);
      expect(own[0]!.own).to.equal(true);
      expect(own[0]!.statusLine, 'no Sending… / failed line').to.equal('');
    }, REPLY_TIMEOUT_MS);
    const [reply] = await untilRepliesFinish(chat, 1);
    expect(reply!.text).to.not.equal('');

    // After the server's echo and the reply, the own message is still there once.
    const all = bubbles(chat);
    expect(all.filter((bubble) => bubble.text === text)).to.have.length(1);
    expect(new Set(all.map((bubble) => bubble.id)).size, 'unique ids').to.equal(all.length);
  });

  it('streams three agents at once into three bubbles, all ending complete with text', async () => {
    const chat = await joinRoom(config.widgetRooms.all, 'Ada');
    let mostStreamingAtOnce = 0;
    let watching = true;
    const watch = () => {
      if (!watching) return;
      mostStreamingAtOnce = Math.max(
        mostStreamingAtOnce,
        agentBubbles(chat).filter((bubble) => bubble.status === 'streaming').length,
      );
      requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
    try {
      await typeAndSend(chat, 'What should we name the new project?');
      const replies = await untilRepliesFinish(chat, 3);
      expect(replies).to.have.length(3);
      expect(new Set(replies.map((reply) => reply.author))).to.deep.equal(
        new Set(['Sage', 'Scout', 'Critic']),
      );
      for (const reply of replies) expect(reply.text, `${reply.author}'s text`).to.not.equal('');
      expect(new Set(replies.map((reply) => reply.id)).size).to.equal(3);
    } finally {
      watching = false;
    }
    expect(mostStreamingAtOnce, 'agent bubbles streaming at the same moment').to.be.at.least(2);
  });

  it('stops one streaming reply from its own Stop button while the others complete', async () => {
    const chat = await joinRoom(config.widgetRooms.stop, 'Ada');
    await typeAndSend(chat, 'Give me three ideas for a team lunch.');

    let target: Bubble | undefined;
    await until(() => {
      target = agentBubbles(chat).find(
        (bubble) =>
          bubble.status === 'streaming' && bubble.element.querySelector('[part="message__stop"]'),
      );
      expect(target, 'a streaming reply with a Stop button').to.not.equal(undefined);
    }, REPLY_TIMEOUT_MS);
    const stop = target!.element.querySelector<HTMLButtonElement>('[part="message__stop"]')!;
    expect(stop.getAttribute('aria-label')).to.equal(`Stop the reply of ${target!.author}`);
    stop.click();

    const replies = await untilRepliesFinish(chat, 3, ['complete', 'cancelled']);
    const stopped = replies.find((reply) => reply.id === target!.id)!;
    expect(stopped.status).to.equal('cancelled');
    expect(stopped.statusLine).to.equal('Stopped by Ada'); // everyone sees who stopped it
    const others = replies.filter((reply) => reply.id !== target!.id);
    expect(others).to.have.length(2);
    for (const reply of others) {
      expect(reply.status, `${reply.author}'s reply`).to.equal('complete');
      expect(reply.text).to.not.equal('');
      expect(reply.statusLine).to.equal('');
    }
  });

  it('shows a late joiner (a reload mid-stream) the same transcript, ids and text', async () => {
    const first = await joinRoom(config.widgetRooms.lateJoiner, 'Ada');
    await typeAndSend(first, 'Tell me about the history of tea.');
    await until(() => {
      expect(
        agentBubbles(first).some(
          (bubble) => bubble.status === 'streaming' && bubble.text.length > 0,
        ),
        'a reply streaming with some text',
      ).to.equal(true);
    }, REPLY_TIMEOUT_MS);

    const second = await joinRoom(config.widgetRooms.lateJoiner, 'Grace');
    const firstReplies = await untilRepliesFinish(first, 3);
    const secondReplies = await untilRepliesFinish(second, 3);
    expect(secondReplies.map((reply) => reply.id)).to.deep.equal(
      firstReplies.map((reply) => reply.id),
    );

    const transcript = (chat: ChorusChat) =>
      bubbles(chat)
        .filter((bubble) => bubble.kind !== 'system')
        .map(({ id, author, text, status }) => ({ id, author, text, status }));
    await until(() => expect(transcript(second)).to.deep.equal(transcript(first)), 5_000);
    expect(transcript(first)).to.have.length(4);
  });

  it('reloads mid-stream: the same visitor, the same session, the text streamed so far and the same end', async () => {
    const room = config.widgetRooms.reload;
    const participants: string[] = [];
    const onReady = (event: ChorusReadyEvent) => participants.push(event.detail.participant.id);
    document.addEventListener('chorus-ready', onReady);
    try {
      const before = await joinRoom(room, 'Ada');
      await typeAndSend(before, 'Tell me about the history of coffee.');
      await until(() => {
        expect(
          agentBubbles(before).filter(
            (bubble) => bubble.status === 'streaming' && bubble.text.length > 20,
          ),
        ).to.have.length.at.least(2);
      }, REPLY_TIMEOUT_MS);
      const seen = new Map(agentBubbles(before).map((bubble) => [bubble.id, bubble.text]));

      // The page reloads: the element leaves, a new one joins with what the page had stored.
      before.remove();
      const after = await joinRoom(room, 'Ada');
      expect(participants).to.have.length(2);
      expect(participants[1], 'the same participant after the reload').to.equal(participants[0]);
      const own = bubbles(after).find((bubble) => bubble.kind === 'human');
      expect(own).to.include({ own: true, text: 'Tell me about the history of coffee.' });
      // Nothing already seen goes missing: every reply picks up at least where it was.
      await until(() => {
        for (const [id, text] of seen)
          expect(agentBubbles(after).find((bubble) => bubble.id === id)?.text ?? '', id).to.satisfy(
            (shown: string) => shown.startsWith(text),
          );
      }, REPLY_TIMEOUT_MS);

      const replies = await untilRepliesFinish(after, 3);
      expect(replies.map((reply) => reply.id)).to.include.members([...seen.keys()]);
      const transcript = (chat: ChorusChat) =>
        bubbles(chat)
          .filter((bubble) => bubble.kind !== 'system')
          .map(({ id, author, text, status }) => ({ id, author, text, status }));
      const witness = await joinRoom(room, 'Grace');
      await until(
        () => expect(transcript(witness)).to.deep.equal(transcript(after)),
        REPLY_TIMEOUT_MS,
      );
    } finally {
      document.removeEventListener('chorus-ready', onReady);
    }
  });

  it('pages history: fewer messages at first, older ones load when scrolled to the top', async () => {
    const chat = await joinRoom(config.widgetRooms.history, 'Ada');
    const total = config.historyMessageCount;
    const texts = () => bubbles(chat).map((bubble) => bubble.text);
    await until(() => expect(texts()).to.include(`History message ${total}`), REPLY_TIMEOUT_MS);
    const initial = texts();
    expect(initial.length).to.be.greaterThan(0);
    expect(initial.length).to.be.lessThan(total);
    expect(initial).to.not.include('History message 1');

    const log = get(chat, '[part="log"]');
    await until(() => {
      log.scrollTop = 0;
      expect(texts()).to.include('History message 1');
    }, REPLY_TIMEOUT_MS);
    await settle(chat);
    expect(texts()).to.deep.equal(
      Array.from({ length: total }, (_, index) => `History message ${index + 1}`),
    );
    const ids = bubbles(chat).map((bubble) => bubble.id);
    expect(new Set(ids).size).to.equal(total);
  });

  it('autocompletes an @mention by keyboard only, and the mentioned agent answers', async () => {
    const chat = await joinRoom(config.widgetRooms.mention, 'Ada');
    const textarea = get<HTMLTextAreaElement>(chat, 'textarea');
    textarea.focus();
    await sendKeys({ type: '@sc' });
    const list = get(chat, '[part="mention-list"]');
    await until(() => {
      expect(list.hidden).to.equal(false);
      expect(
        findAll(chat, '[part="mention-option"]').map((option) =>
          option.textContent?.replace(/\s+/g, ' ').trim(),
        ),
      ).to.deep.equal(['@scout Scout']);
    });
    await sendKeys({ press: 'ArrowDown' });
    await until(() =>
      expect(find(chat, '[part="mention-option"][aria-selected="true"]')?.textContent).to.contain(
        'Scout',
      ),
    );
    await sendKeys({ press: 'Enter' });
    await until(() => expect(textarea.value).to.equal('@scout '));
    expect(list.hidden).to.equal(true);

    await sendKeys({ type: 'what is new?' });
    await sendKeys({ press: 'Enter' });
    await until(
      () =>
        expect(
          bubbles(chat).some((bubble) => bubble.own && bubble.text === '@scout what is new?'),
        ).to.equal(true),
      REPLY_TIMEOUT_MS,
    );
    expect(textarea.value).to.equal('');

    const [reply] = await untilRepliesFinish(chat, 1);
    expect(reply!.author).to.equal('Scout');
    expect(reply!.text).to.not.equal('');
  });

  it('speaks from the first message on as the name a setUser queued before load gave', async () => {
    // The page's snippet queues `setUser` and a message before chorus.js loads; embed.ts then
    // mounts first and runs the queue, so both arrive while the session is being created.
    const room = config.widgetRooms.setUser;
    const target = document.createElement('div');
    target.id = 'set-user-target';
    document.body.append(target);
    const participants: { id: string; name: string }[] = [];
    const onReady = (event: ChorusReadyEvent) => participants.push(event.detail.participant);
    document.addEventListener('chorus-ready', onReady);
    const text = `Posted right after load ${crypto.randomUUID().slice(0, 8)}`;
    try {
      const chorus = createChorusGlobal();
      chorus.push(
        ['mount', { room, server: config.url, target: '#set-user-target' }],
        ['setUser', { name: 'Ada Lovelace' }],
        ['send', text],
      );
      await until(() => expect(chorus.chat, 'the mounted chat').to.not.equal(undefined));
      mounted.push(chorus.chat!);
      await until(() => expect(participants, 'chorus-ready').to.have.length(1), REPLY_TIMEOUT_MS);
      expect(participants[0]!.name, 'the session the room was joined with').to.equal(
        'Ada Lovelace',
      );
      await until(
        () =>
          expect(bubbles(chorus.chat!).find((bubble) => bubble.text === text)).to.include({
            own: true,
            author: 'Ada Lovelace',
            statusLine: '',
          }),
        REPLY_TIMEOUT_MS,
      );

      // As the server stored it: another visitor sees the message under that name.
      const witness = await joinRoom(room, 'Grace');
      await until(
        () =>
          expect(bubbles(witness).find((bubble) => bubble.text === text)?.author).to.equal(
            'Ada Lovelace',
          ),
        REPLY_TIMEOUT_MS,
      );
    } finally {
      document.removeEventListener('chorus-ready', onReady);
      target.remove();
    }
  });

  it('retries a reply that failed mid-stream: the error keeps its partial text, and Retry streams a complete reply', async () => {
    // The room's only agent, Flaky, is a fake OpenAI server: its first reply is cut after some text.
    const { partialText, fullText } = config.retryReplies;
    const chat = await joinRoom(config.widgetRooms.retry, 'Ada');
    const question = 'Can you answer this on the first try?';
    await typeAndSend(chat, question);

    const [failed] = await untilRepliesFinish(chat, 1, ['error']);
    expect(failed!.author).to.equal('Flaky');
    expect(failed!.text, 'the text that arrived before the failure').to.equal(partialText);
    expect(failed!.statusLine).to.match(/^This reply failed/);
    const retry = failed!.element.querySelector<HTMLButtonElement>(
      '[part="message__actions"] button[aria-label="Retry the reply of Flaky"]',
    );
    expect(retry, 'a Retry button named for the agent').to.not.equal(null);
    expect(retry!.textContent?.trim()).to.equal('Retry');
    retry!.click();

    // The retried version replaces the failed one in place; ‹ 1/2 › still shows the failed one.
    await until(() => {
      const agents = agentBubbles(chat);
      expect(agents).to.have.length(1);
      expect(agents[0]).to.include({ status: 'complete', text: fullText, statusLine: '' });
    }, REPLY_TIMEOUT_MS);
    const [retried] = agentBubbles(chat);
    expect(retried!.id).to.not.equal(failed!.id);
    expect(retried!.element.dataset['key']).to.equal(failed!.id);
    expect(retried!.element.querySelector('[part="message__reason"]')).to.equal(null);
    const versions = () => get(chat, '[part="message__versions"]');
    expect(versions().getAttribute('aria-label')).to.equal('Version 2 of 2');
    expect(
      retried!.element
        .querySelector('[part="message__actions"] button')
        ?.getAttribute('aria-label'),
    ).to.equal('Regenerate the reply of Flaky');
    get<HTMLButtonElement>(versions(), 'button[aria-label="Previous version"]').click();
    await settle(chat);
    expect(agentBubbles(chat)[0]).to.include({
      id: failed!.id,
      status: 'error',
      text: partialText,
    });
    expect(versions().getAttribute('aria-label')).to.equal('Version 1 of 2');
    expect(
      find(chat, '[part="message__actions"] button[aria-label="Retry the reply of Flaky"]'),
    ).to.equal(null);
    get<HTMLButtonElement>(versions(), 'button[aria-label="Next version"]').click();
    await settle(chat);

    // Every visitor sees the same latest version, at the first version's place.
    const transcript = (of: ChorusChat) =>
      bubbles(of)
        .filter((bubble) => bubble.kind !== 'system')
        .map(({ id, author, text, status }) => ({ id, author, text, status }));
    expect(transcript(chat).map(({ text, status }) => ({ text, status }))).to.deep.equal([
      { text: question, status: 'complete' },
      { text: fullText, status: 'complete' },
    ]);
    const second = await joinRoom(config.widgetRooms.retry, 'Grace');
    await until(() => expect(transcript(second)).to.deep.equal(transcript(chat)), REPLY_TIMEOUT_MS);
    expect(get(second, '[part="message__versions"]').getAttribute('aria-label')).to.equal(
      'Version 2 of 2',
    );
    expect(await axeViolations(second)).to.deep.equal([]);
  });

  describe('in a support room (docs/architecture.md §8)', () => {
    /** The seeded support room (`kind: 'support'`, `handoff: true`) of the test server. */
    function supportRoom(): string {
      const room = (config.widgetRooms as Partial<Record<'support', string>>).support;
      if (!room)
        throw new Error('the browser test server seeds no support room (widgetRooms.support)');
      return room;
    }

    it('gives each visitor a private conversation: a second visitor does not see the first one’s messages', async () => {
      const room = supportRoom();
      const ada = await joinRoom(room, 'Ada');
      const adaRoom = readyOf.get(ada)!.room.id;
      expect(adaRoom).to.match(/^c_/);
      const text = `Do you ship to Lyon? ${crypto.randomUUID().slice(0, 8)}`;
      await typeAndSend(ada, text);
      await untilRepliesFinish(ada, 1);

      const grace = await joinRoom(room, 'Grace');
      const graceRoom = readyOf.get(grace)!.room.id;
      expect(graceRoom).to.match(/^c_/);
      expect(graceRoom).to.not.equal(adaRoom);
      const mine = `And to Porto? ${crypto.randomUUID().slice(0, 8)}`;
      await typeAndSend(grace, mine);
      await untilRepliesFinish(grace, 1);
      expect(bubbles(grace).map((bubble) => bubble.text)).to.not.include(text);
      expect(agentBubbles(grace)).to.have.length(1); // the answer to Grace only, not Ada's
      expect(bubbles(ada).map((bubble) => bubble.text)).to.not.include(mine);
      expect(agentBubbles(ada)).to.have.length(1);
    });

    it('keeps the conversation when the visitor reloads', async () => {
      const room = supportRoom();
      const first = await joinRoom(room, 'Linus');
      const text = `Before the reload ${crypto.randomUUID().slice(0, 8)}`;
      await typeAndSend(first, text);
      await until(() => expect(bubbles(first).map((b) => b.text)).to.include(text));
      const conversation = readyOf.get(first)!.room.id;
      first.remove();
      const again = await joinRoom(room, 'Linus');
      expect(readyOf.get(again)!.room.id).to.equal(conversation);
      await until(() => expect(bubbles(again).map((b) => b.text)).to.include(text));
    });

    it('asks for a person: the chat says it is waiting, and the agents stay quiet', async () => {
      const chat = await joinRoom(supportRoom(), 'Margaret');
      const button = get<HTMLButtonElement>(chat, '[part="handoff-button"]');
      expect(button.textContent?.trim()).to.equal('Talk to a person');
      const notices = bubbles(chat).filter((bubble) => bubble.kind === 'system').length;
      button.focus();
      await sendKeys({ press: 'Enter' });
      const status = () => get(chat, '.notice').textContent?.replace(/\s+/g, ' ').trim();
      await until(
        () => expect(status()).to.equal('Waiting for a person… the assistants are paused'),
        REPLY_TIMEOUT_MS,
      );
      expect(find(chat, '[part="handoff-button"]')).to.equal(null);
      // The server's notice of the change, in the transcript.
      await until(
        () =>
          expect(bubbles(chat).filter((bubble) => bubble.kind === 'system')).to.have.length(
            notices + 1,
          ),
        REPLY_TIMEOUT_MS,
      );
      await typeAndSend(chat, 'Is anyone there?');
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(agentBubbles(chat)).to.have.length(0);
    });
  });
});
