import { z } from 'zod';
import { evaluateExpression, MAX_EXPRESSION_LENGTH } from './evaluate-expression.ts';
import { defineTool } from './tool.ts';

/** Significant digits kept in a fraction: enough for any real use, and 0.1+0.2 reads 0.3. */
const SIGNIFICANT_DIGITS = 15;

/**
 * `calculator`: exact arithmetic for agents, which are bad at it. Parsed by a small recursive
 * descent parser (see `evaluate-expression.ts`), never by `eval`.
 * @example
 * await registry.run('calculator', { expression: 'sqrt(2) * 10^3' }, context);
 * // { result: { expression: 'sqrt(2) * 10^3', value: 1414.21356237310 } }
 */
export default defineTool({
  name: 'calculator',
  description:
    'Evaluates an arithmetic expression exactly. Use it for any calculation instead of doing it in your head. ' +
    'Operators: + - * / % (remainder) ^ (power), parentheses, decimals and scientific notation (1.5e3). ' +
    'Constants: pi, e. Functions: sqrt, abs, round, floor, ceil, min, max, log (natural), log10, ' +
    'sin, cos, tan (radians).',
  parameters: z.object({
    expression: z
      .string()
      .max(MAX_EXPRESSION_LENGTH, {
        error: `is too long (the limit is ${MAX_EXPRESSION_LENGTH} characters)`,
      })
      .describe('The expression to evaluate, e.g. "(17.5 * 3 + 2) / 4" or "sqrt(2) * 10^3".'),
  }),
  timeoutMs: 1_000,
  async execute({ expression }) {
    return { expression, value: tidy(evaluateExpression(expression)) };
  },
});

/** Drops floating-point noise from fractions (integers are exact already) and turns -0 into 0. */
function tidy(value: number): number {
  const rounded = Number.isInteger(value) ? value : Number(value.toPrecision(SIGNIFICANT_DIGITS));
  return rounded === 0 ? 0 : rounded;
}
