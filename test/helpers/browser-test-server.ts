import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signJwt } from '../../server/auth/jwt.ts';
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/start-server.ts';

/** What browser tests learn about the server the test run started (served as JSON). */
export interface BrowserTestConfig {
  url: string;
  realtimeUrl: string;
  anonKey: string;
  /** Room tokens for `lobby`, as `POST /api/session` will issue them: one per simulated visitor. */
  lobbyTokens: string[];
  /** A token for another room, to check that private channels stay closed to it. */
  otherRoomToken: string;
}

/** Starts the real Chorus server on port 0 with a throw-away data folder. */
export async function startBrowserTestServer(): Promise<{ testConfig: BrowserTestConfig; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chorus-browser-'));
  const config = loadConfig({ PORT: '0', CHORUS_DATA_DIR: dataDir, CHORUS_JWT_SECRET: randomBytes(32).toString('hex'), CHORUS_LOG_LEVEL: 'warn' });
  const server = await startServer(config);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const roomToken = (room: string, name: string) =>
    signJwt({ role: 'authenticated', sub: `guest-${name.toLowerCase()}`, room, name, exp }, server.jwtSecret);
  return {
    testConfig: {
      url: server.url,
      realtimeUrl: server.realtimeUrl,
      anonKey: server.keys.anonKey,
      lobbyTokens: [roomToken('lobby', 'Ada'), roomToken('lobby', 'Grace')],
      otherRoomToken: roomToken('elsewhere', 'Mallory'),
    },
    async stop() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
