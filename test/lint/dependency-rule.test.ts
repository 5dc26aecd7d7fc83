import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const eslint = new ESLint({ cwd: repositoryRoot });

/** The `no-restricted-imports` messages ESLint reports for `code` placed at `filePath`. */
async function restrictedImportMessages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  if (!result) throw new Error(`ESLint returned no result for ${filePath}`);
  return result.messages
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => {
      expect(message.severity).toBe(2);
      return message.message;
    });
}

describe('ARCHITECTURE §2 dependency rule (eslint no-restricted-imports)', () => {
  it.each([
    ['server/http/x.ts', "import WebSocket from 'ws';", /never import an SDK/],
    ['server/http/routes/x.ts', "import OpenAI from 'openai';", /never import an SDK/],
    ['server/orchestrator/x.ts', "import Anthropic from '@anthropic-ai/sdk';", /never import an SDK/],
    ['server/orchestrator/x.ts', "import pg from 'pg';", /never import an SDK/],
    ['server/orchestrator/x.ts', "import { PGlite } from '@electric-sql/pglite';", /never import an SDK/],
    ['server/http/x.ts', "import { vector } from '@electric-sql/pglite/vector';", /never import an SDK/],
    ['server/orchestrator/x.ts', "export { createApp } from '../http/create-app.ts';", /orchestrator\/ never imports from server\/http/],
    ['server/realtime/x.ts', "import { createApp } from '../http/create-app.ts';", /adapters .* never import from server\/http/],
    ['server/providers/openai/x.ts', "import type { Round } from '../../orchestrator/round.ts';", /adapters .* never import from server\/orchestrator/],
    ['server/store/x.ts', "import '../orchestrator/orchestrator.ts';", /adapters .* never import from server\/orchestrator/],
    ['widget/x.ts', "import '../../server/x.ts';", /widget\/ never imports from server\//],
    ['widget/room/x.ts', "import type { Config } from '../../server/config.ts';", /widget\/ never imports from server\//],
    ['protocol/x.ts', "import '../server/x.ts';", /protocol\/ .* imports from neither/],
    ['protocol/x.ts', "import '../widget/x.ts';", /protocol\/ .* imports from neither/],
  ])('%s: %s is an error', async (filePath, code, expected) => {
    const messages = await restrictedImportMessages(code, filePath);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^.*ARCHITECTURE §2: /);
    expect(messages[0]).toMatch(expected);
  });

  it.each([
    ['server/realtime/x.ts', "import WebSocket from 'ws';"],
    ['server/store/x.ts', "import { PGlite } from '@electric-sql/pglite';"],
    ['server/main.ts', "import { createApp } from './http/create-app.ts';"],
    ['server/http/x.ts', "import type { Orchestrator } from '../orchestrator/orchestrator.ts';"],
    ['server/http/x.ts', "import { createServer } from 'node:http';"],
    ['server/http/x.ts', "import { socket } from './ws-helpers/socket.ts';"],
    ['server/orchestrator/x.ts', "import type { ChatModel } from '../providers/chat-model.ts';"],
    ['server/realtime/hub/x.ts', "import './http-upgrade.ts';"],
    ['widget/x.ts', "import type { RoomEvent } from '../protocol/room-event.ts';"],
    ['server/realtime/x.ts', "import type { RoomEvent } from '../../protocol/room-event.ts';"],
  ])('%s: %s is allowed', async (filePath, code) => {
    expect(await restrictedImportMessages(code, filePath)).toEqual([]);
  });
});
