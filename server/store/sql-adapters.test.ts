import { afterEach, describe, expect, it } from 'vitest';
import { openTestPostgres } from '../../test/helpers/databases.ts';
import { PGliteSql } from './pglite-sql.ts';
import type { Sql } from './sql.ts';

const opened: Sql[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sql) => sql.close()));
});

const engines: Array<[string, () => Promise<Sql>]> = [
  ['PGlite', () => PGliteSql.open()],
  ['PostgreSQL', async () => (await openTestPostgres({ migrated: false })).sql],
];

describe.each(engines)('rowCount on %s', (_name, open) => {
  it('is the number of rows a select returns and of rows a write changes, as node-postgres reports it', async () => {
    const sql = await open();
    opened.push(sql);
    expect((await sql.query('select 1')).rowCount).toBe(1);
    await sql.exec('create table counted (id int primary key, label text)');
    expect((await sql.query('select * from counted')).rowCount).toBe(0);
    expect(
      (await sql.query(`insert into counted values (1, 'a'), (2, 'b'), (3, 'c')`)).rowCount,
    ).toBe(3);
    expect((await sql.query('select * from counted where id > $1', [1])).rowCount).toBe(2);
    expect((await sql.query(`update counted set label = 'z' where id < 3`)).rowCount).toBe(2);
    expect((await sql.query('delete from counted where id = 3 returning id')).rowCount).toBe(1);
    const inTransaction = await sql.transaction((tx) => tx.query('select id from counted'));
    expect(inTransaction.rowCount).toBe(2);
  });
});
