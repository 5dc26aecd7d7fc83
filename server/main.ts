import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './lib/logger.ts';
import { startServer } from './start-server.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const server = await startServer(config, { log, serveWidget: true });
  // The banner is for the person who ran `npm start`, like `supabase start`'s; keys never go
  // through the structured log.
  process.stdout.write(
    [
      '',
      `  Chorus is running at ${server.url}`,
      `  Demo pages:  ${server.url}/demo/  (company site, shared room, theming)`,
      `  Embed:       <script src="${server.url}/chorus.js" data-room="lobby" data-mode="launcher" async></script>`,
      `  Realtime:    ${server.realtimeUrl}`,
      `  Anon key:    ${server.keys.anonKey}`,
      `  Service key: ${server.keys.serviceKey}   (server-side only: never put it in a page)`,
      `  Data:        ${config.dataDir}`,
      '',
    ].join('\n') + '\n',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'server.stopping', { signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log('error', 'server.stop_failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
