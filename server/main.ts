import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger } from './lib/logger.ts';
import { startChorus, type ChorusServer } from './start-server.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const server = await startChorus(config, { log, serveWidget: true });
  const url = config.publicUrl ?? server.url;
  // The banner is for the person who ran `npm start`, like `supabase start`'s; keys never go
  // through the structured log.
  process.stdout.write(
    [
      '',
      `  Chorus is running at ${url}${url === server.url ? '' : `  (listening on ${server.url})`}`,
      `  Demo pages:  ${url}/demo/  (company site, shared room, theming)`,
      `  Inbox:       ${url}/inbox/#key=${server.adminKey}  (the admin key opens it; keep it private)`,
      `  Embed:       <script src="${url}/chorus.js" data-room="lobby" data-mode="launcher" async></script>`,
      ...realtimeLines(config, server),
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

/** The embedded hub's endpoint and keys (generated here, so shown), or which external realtime is used (its keys are the operator's: never printed). */
function realtimeLines(config: Config, server: ChorusServer): string[] {
  if (config.realtime.kind === 'external') {
    return [
      `  Realtime:    ${server.realtimeUrl}  (external Supabase Realtime; keys from CHORUS_REALTIME_ANON_KEY / _SERVICE_KEY)`,
    ];
  }
  return [
    `  Realtime:    ${server.realtimeUrl}  (embedded hub)`,
    `  Anon key:    ${server.keys.anonKey}`,
    `  Service key: ${server.keys.serviceKey}   (server-side only: never put it in a page)`,
  ];
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
