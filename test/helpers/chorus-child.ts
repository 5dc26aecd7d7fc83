/**
 * A Chorus server as `npm start` runs it, configured from its environment (no widget build), for
 * tests that kill the process: prints `ready <url>` once it listens. Started by
 * {@link startChorusChild} (test/helpers/chorus-process.ts).
 */
import { loadConfig } from '../../server/config.ts';
import { startChorus } from '../../server/start-server.ts';

// `CHORUS_TEST_SERVE_WIDGET=1`: the built widget and the demo pages too, for a browser to load.
const server = await startChorus(loadConfig(process.env), {
  serveWidget: process.env.CHORUS_TEST_SERVE_WIDGET === '1',
});
process.stdout.write(`ready ${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
