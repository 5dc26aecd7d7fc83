/**
 * The worker side of {@link WorkerPGliteSql} (`pglite-worker-sql.ts`): opens PGlite in
 * `workerData.dataDir` through the real adapter and runs the statements the main thread posts,
 * strictly one after another in arrival order (so a transaction's statements, posted back to back
 * by the main thread, are never interleaved with others).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGliteSql } from '../../server/store/pglite-sql.ts';

export interface WorkerRequest {
  id: number;
  op: 'query' | 'exec' | 'close';
  text?: string;
  params?: unknown[];
}

export type WorkerReply =
  | { id: number; ok: true; rows: unknown[]; rowCount: number }
  | { id: number; ok: false; message: string; code?: string }
  | { id: -1; ok: true; ready: true }
  | { id: -1; ok: false; message: string };

const port = parentPort!;
const { dataDir } = workerData as { dataDir?: string };

try {
  const sql = await PGliteSql.open(dataDir);
  let chain = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    chain = chain.then(async () => {
      try {
        if (request.op === 'query') {
          const result = await sql.query(request.text!, request.params ?? []);
          port.postMessage({
            id: request.id,
            ok: true,
            rows: result.rows,
            rowCount: result.rowCount,
          } satisfies WorkerReply);
        } else if (request.op === 'exec') {
          await sql.exec(request.text!);
          port.postMessage({
            id: request.id,
            ok: true,
            rows: [],
            rowCount: 0,
          } satisfies WorkerReply);
        } else {
          await sql.close();
          port.postMessage({
            id: request.id,
            ok: true,
            rows: [],
            rowCount: 0,
          } satisfies WorkerReply);
          port.close();
        }
      } catch (error) {
        const failure = error as { message?: string; code?: string };
        port.postMessage({
          id: request.id,
          ok: false,
          message: String(failure.message ?? error),
          code: failure.code,
        } satisfies WorkerReply);
      }
    });
  });
  port.postMessage({ id: -1, ok: true, ready: true } satisfies WorkerReply);
} catch (error) {
  port.postMessage({ id: -1, ok: false, message: String(error) } satisfies WorkerReply);
}
