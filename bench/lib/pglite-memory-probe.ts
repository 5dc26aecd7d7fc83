/**
 * PGlite's own footprint (docs/benchmarks.md, "Footprint"): opens PGlite on `dataDir` with extra
 * `-c` settings, idles 1.5 s, collects garbage, prints the RSS as JSON. A migrated folder gives a
 * warm start; an empty one includes initdb.
 * @example node --expose-gc --import tsx bench/lib/pglite-memory-probe.ts /tmp/x/pgdata shared_buffers=16MB
 */
import { PGlite } from '@electric-sql/pglite';

const [dataDir, settings = ''] = process.argv.slice(2);
const extra = settings
  .split(',')
  .filter(Boolean)
  .flatMap((setting) => ['-c', setting]);
const started = Date.now();
const db = await PGlite.create(dataDir, {
  startParams: [...PGlite.defaultStartParams, ...extra],
});
await db.query('select 1');
const openMs = Date.now() - started;
await new Promise((resolve) => setTimeout(resolve, 1500));
(globalThis as { gc?: () => void }).gc?.();
console.log(
  JSON.stringify({ settings, openMs, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) }),
);
await db.close();
