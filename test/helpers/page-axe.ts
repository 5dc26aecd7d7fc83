/**
 * axe-core on the chat of a Playwright page (the e2e tests): the widget's shadow DOM included,
 * WCAG 2.x A/AA and best practices, as widget/test-support/axe.ts does in the browser tests.
 * The page needs a context with `bypassCSP: true` (the demo pages' CSP refuses the added script).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

let axeSource: Promise<string> | undefined;

/**
 * The violations on `<chorus-chat>` as readable lines (empty when clean).
 * @example expect(await pageAxeViolations(page)).toEqual([]);
 */
export async function pageAxeViolations(page: Page): Promise<string[]> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window)))
    await page.addScriptTag({ content: await axeSource });
  return page.evaluate(async () => {
    const { axe } = window as unknown as {
      axe: {
        run: (
          context: unknown,
          options: unknown,
        ) => Promise<{
          violations: { id: string; nodes: { target: string[]; failureSummary?: string }[] }[];
        }>;
      };
    };
    const results = await axe.run(document.querySelector('chorus-chat'), {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
      },
      resultTypes: ['violations'],
    });
    return results.violations.flatMap((violation) =>
      violation.nodes.map(
        (node) => `${violation.id}: ${node.target.join(' ')} ${node.failureSummary ?? ''}`,
      ),
    );
  });
}
