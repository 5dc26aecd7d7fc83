import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Every `.ts` file under `directory`, as paths relative to the repository. */
async function sourcesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(path.join(repositoryRoot, directory), {
    recursive: true,
    withFileTypes: true,
  });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(repositoryRoot, path.join(entry.parentPath, entry.name)));
}

/** The import and re-export statements of `source` that reach protocol/schemas/ and are not type-only. */
function valueImportsOfSchemas(source: string): string[] {
  const statements =
    source.match(/^(?:import|export)\s[^;]*?from\s+'[^']*protocol\/schemas\/[^']*';/gms) ?? [];
  return statements.filter((statement) => !/^(?:import|export)\s+type\s/.test(statement));
}

describe('the widget takes only types from the contract (docs/architecture.md §2: no zod in the bundle)', () => {
  it('tells a type-only import from one that would bundle the schemas', () => {
    expect(
      valueImportsOfSchemas("import type { Message } from '../../protocol/schemas/message.ts';"),
    ).toEqual([]);
    expect(
      valueImportsOfSchemas("export type { Agent } from '../../protocol/schemas/rest.ts';"),
    ).toEqual([]);
    expect(
      valueImportsOfSchemas("import { type Message } from '../../protocol/schemas/message.ts';"),
    ).toHaveLength(1);
    expect(
      valueImportsOfSchemas(
        "import {\n  messageSchema,\n} from '../../protocol/schemas/message.ts';",
      ),
    ).toHaveLength(1);
    expect(
      valueImportsOfSchemas("export { agentSchema } from '../protocol/schemas/rest.ts';"),
    ).toHaveLength(1);
  });

  it('no widget file imports a schema (or zod) as a value', async () => {
    const offending: string[] = [];
    for (const file of await sourcesUnder('widget')) {
      if (/\.test\.ts$/.test(file) || file.includes('/test-support/')) continue;
      const source = await readFile(path.join(repositoryRoot, file), 'utf8');
      for (const statement of valueImportsOfSchemas(source))
        offending.push(`${file}: ${statement}`);
      if (/^import\s+(?!type\s)[^;]*from\s+'zod(?:\/[^']*)?';/m.test(source))
        offending.push(`${file}: imports zod`);
    }
    expect(offending).toEqual([]);
  });
});
