import '../../widget/test-support/process-shim.ts';
import '../main.ts';
import type { ChorusInbox } from '../components/inbox-app/inbox-app.ts';
import { find, findAll } from '../../widget/test-support/mount-chat.ts';
import type { FakeInboxServer } from './fake-inbox-server.ts';

const mounted: HTMLElement[] = [];

/**
 * `<chorus-inbox>` on a page whose address has `fragment` (e.g. `#key=…&name=Ada`), talking to
 * the fake server; resolves once it has rendered.
 * @example const inbox = await mountInbox(server, `#key=${ADMIN_KEY}&name=Ada`);
 */
export function mountInbox(server: FakeInboxServer, fragment = ''): Promise<ChorusInbox> {
  return mount('http://chorus.test', fragment, (inbox) => {
    inbox.fetchImpl = server.fetch;
    inbox.createChannel = server.createChannel;
    inbox.createInboxChannel = server.createInboxChannel;
  });
}

/** `<chorus-inbox>` talking to a real Chorus server at `url`. */
export function mountInboxOn(url: string, fragment = ''): Promise<ChorusInbox> {
  return mount(url, fragment, () => {});
}

async function mount(
  url: string,
  fragment: string,
  setUp: (inbox: ChorusInbox) => void,
): Promise<ChorusInbox> {
  history.replaceState(null, '', `${location.pathname}${location.search}${fragment}`);
  const inbox = document.createElement('chorus-inbox');
  inbox.server = url;
  setUp(inbox);
  inbox.style.setProperty('height', '640px');
  document.body.append(inbox);
  mounted.push(inbox);
  await settleInbox(inbox);
  return inbox;
}

export function unmountInboxes(): void {
  for (const element of mounted.splice(0)) element.remove();
  sessionStorage.clear();
  history.replaceState(null, '', `${location.pathname}${location.search}`);
}

/** Two frames and every Lit element's update, a few rounds (stores batch to animation frames). */
export async function settleInbox(inbox: ChorusInbox): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const elements = [inbox, ...findAll(inbox, '*')].filter(
      (element): element is HTMLElement & { updateComplete: Promise<boolean> } =>
        'updateComplete' in element,
    );
    await Promise.all(elements.map((element) => element.updateComplete));
  }
}

/** The rows of the conversation list, as their visitor's name and their classes. */
export function rows(
  inbox: ChorusInbox,
): { id: string; name: string; className: string; preview: string; unread: string }[] {
  return findAll(inbox, '[part~="row"]').map((row) => ({
    id: row.dataset['id'] ?? '',
    name: row.querySelector('.name')?.textContent ?? '',
    className: row.className,
    preview: row.querySelector('.preview')?.textContent ?? '',
    unread: row.querySelector('.unread .count')?.textContent ?? '',
  }));
}

export { find, findAll };
