/**
 * axe-core in the browser tests. Its package is a UMD script, so `import axe from 'axe-core'`
 * fails in Web Test Runner (no CommonJS conversion with plain nodeResolve); imported for its side
 * effect it puts itself on `window.axe`, typed here.
 */
import 'axe-core';
import type * as Axe from 'axe-core';

const { axe } = window as unknown as { axe: typeof Axe };

/**
 * Runs axe on an element (shadow DOM included) with the WCAG 2.x A/AA and best-practice rules;
 * returns the violations as readable lines (empty when clean).
 * @example expect(await axeViolations(chat)).to.deep.equal([]);
 */
export async function axeViolations(context: Element): Promise<string[]> {
  const results = await axe.run(context, {
    runOnly: {
      type: 'tag',
      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
    },
    resultTypes: ['violations'],
  });
  return results.violations.flatMap((violation) =>
    violation.nodes.map(
      (node) =>
        `${violation.id} (${violation.impact}): ${node.target.join(' ')} — ${node.failureSummary?.replace(/\s+/g, ' ') ?? ''}`,
    ),
  );
}
