/// <reference types="mocha" />
// The header and what the widget announces, as assistive technology gets them (Chromium's
// accessibility tree): no second banner landmark, agents named by name and status, handles whole.
import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import { humanMessage } from '../../../protocol/test-support/messages.ts';
import { findAll, get, mountChat, settle, unmountAll } from '../../test-support/mount-chat.ts';
import { StubConnection } from '../../test-support/stub-connection.ts';

interface AxNode {
  role: string;
  name: string;
  description?: string;
  children?: AxNode[];
}

async function accessibilityTree(): Promise<AxNode> {
  return executeServerCommand<AxNode, undefined>('accessibility-tree');
}

function all(node: AxNode, test: (node: AxNode) => boolean): AxNode[] {
  return [
    ...(test(node) ? [node] : []),
    ...(node.children ?? []).flatMap((child) => all(child, test)),
  ];
}

describe('<chorus-chat-header>', () => {
  afterEach(() => unmountAll());

  it('is no second banner landmark on the host page', async () => {
    const pageHeader = document.createElement('header');
    pageHeader.textContent = 'The host page';
    document.body.prepend(pageHeader);
    try {
      await mountChat(StubConnection.open(), { mode: 'inline' });
      const banners = all(await accessibilityTree(), (node) => node.role === 'banner');
      expect(banners.map((node) => node.name)).to.have.length(1); // the page's own
    } finally {
      pageHeader.remove();
    }
  });

  it('names each agent in “who is here” by its name and status, not by its description', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { mode: 'inline' });
    stub.setPresence([{ kind: 'agent', id: 'scout', name: 'Scout', status: 'thinking' }]);
    await settle(chat);
    const tree = await accessibilityTree();
    const items = all(tree, (node) => node.role === 'listitem').map((node) => node.name);
    expect(items).to.include.members(['Sage, available', 'Scout, thinking…', 'Muse, available']);
    expect(items).to.not.include('Thoughtful');
    const [sage] = all(tree, (node) => node.name === 'Sage, available');
    expect(sage?.description).to.equal('Thoughtful'); // the tooltip describes, it does not name
  });

  it('announces a message with the underscores of a handle kept', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { mode: 'inline' });
    const region = get(chat, '[aria-live="polite"]');
    stub.deliver('message', {
      message: humanMessage({
        id: 'h1',
        author: { kind: 'human', id: 'guest:dev', name: 'dev_ops' },
        content: 'Ask _@data_team_ about snake_case',
      }),
    });
    await settle(chat);
    expect(findAll(region, 'p').map((paragraph) => paragraph.textContent)).to.deep.equal([
      'dev_ops: Ask @data_team about snake_case',
    ]);
  });
});
