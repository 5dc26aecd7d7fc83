/**
 * Node side of the inbox's real-server browser tests (inbox/inbox.server.browser.test.ts): the
 * real Chorus server on port 0 with a throw-away data folder and offline personas at a slowed
 * pace, and a support room made through the admin API as its owner would.
 */
import { startServer } from '../../server/start-server.ts';
import { throwawayConfig } from '../../test/helpers/throwaway-config.ts';

/** What the browser tests learn about that server (served as JSON). */
export interface InboxTestConfig {
  url: string;
  adminKey: string;
  /** A support room: each visitor gets a private conversation. */
  supportRoom: string;
}

/** Where the browser tests fetch {@link InboxTestConfig} from. */
export const INBOX_TEST_CONFIG_PATH = '/__chorus/inbox-test-config.json';

const SUPPORT_ROOM = 'inbox-support';

export async function startInboxTestServer(): Promise<{
  testConfig: InboxTestConfig;
  stop(): Promise<void>;
}> {
  const { config, removeDataDir } = await throwawayConfig({
    CHORUS_LOG_LEVEL: 'warn',
    CHORUS_OFFLINE_TOKENS_PER_SECOND: '80',
  });
  const server = await startServer(config);
  const answer = await fetch(`${server.url}/api/admin/rooms/${SUPPORT_ROOM}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      title: 'Inbox support',
      kind: 'support',
      handoff: true,
      policy: 'default',
    }),
  });
  if (!answer.ok) throw new Error(`the support room: HTTP ${answer.status} ${await answer.text()}`);
  return {
    testConfig: { url: server.url, adminKey: server.adminKey, supportRoom: SUPPORT_ROOM },
    async stop() {
      await server.close();
      await removeDataDir();
    },
  };
}
