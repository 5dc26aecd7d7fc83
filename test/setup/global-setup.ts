/**
 * Once per `vitest run`: a real Postgres server for the store's contract suite, and a migrated
 * PGlite template (PGlite's cold start plus migrations take seconds; loading a dump takes well
 * under one). Tests read both through `inject()`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../server/store/migrate.ts';
import { PGliteSql } from '../../server/store/pglite-sql.ts';
import { startPostgresServer } from '../helpers/postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    postgresVersion: string;
    pgliteTemplatePath: string;
  }
}

export default async function setup(project: TestProject) {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'chorus-test-'));
  const [postgres, templatePath] = await Promise.all([
    startPostgresServer(),
    (async () => {
      const sql = await PGliteSql.open();
      await migrate(sql);
      const file = path.join(folder, 'pglite-template.tar');
      await writeFile(file, Buffer.from(await (await sql.dump()).arrayBuffer()));
      await sql.close();
      return file;
    })(),
  ]);
  project.provide('postgresUrl', postgres.url);
  project.provide('postgresVersion', postgres.version);
  project.provide('pgliteTemplatePath', templatePath);
  return async () => {
    await postgres.stop();
    await rm(folder, { recursive: true, force: true });
  };
}
