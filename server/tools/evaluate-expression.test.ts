import { describe, expect, it } from 'vitest';
import { evaluateExpression, MAX_EXPRESSION_LENGTH } from './evaluate-expression.ts';
import { ToolError } from './tool.ts';

describe('evaluateExpression', () => {
  const cases: Array<[expression: string, expected: number]> = [
    // Numbers
    ['42', 42],
    ['3.25', 3.25],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1.5E-3', 0.0015],
    ['2e+2', 200],
    ['  7 \t\n', 7],
    // Precedence
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['100 / 10 / 5', 2],
    ['2 * 3 + 4 * 5', 26],
    ['7 % 4', 3],
    ['-7 % 3', -1],
    ['2 + 10 % 4 * 3', 8],
    ['8 / 2 * 4', 16],
    // Power: right-associative and tighter than unary minus
    ['2^10', 1024],
    ['2^3^2', 512],
    ['(2^3)^2', 64],
    ['-2^2', -4],
    ['(-2)^2', 4],
    ['2^-1', 0.5],
    ['2 * 3^2', 18],
    ['4^0.5', 2],
    ['0^0', 1],
    // Unary signs
    ['-5', -5],
    ['--5', 5],
    ['+5', 5],
    ['3 - -2', 5],
    ['-(2 + 3)', -5],
    // Constants (names are case-insensitive)
    ['pi', Math.PI],
    ['2 * PI', 2 * Math.PI],
    ['e', Math.E],
    ['e^2', Math.E ** 2],
    // Functions
    ['sqrt(16)', 4],
    ['sqrt(2)^2', 2.0000000000000004],
    ['abs(-3.5)', 3.5],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(2.4)', 2],
    ['floor(-1.5)', -2],
    ['ceil(1.2)', 2],
    ['min(4, 2, 8)', 2],
    ['max(4, 2, 8)', 8],
    ['max(-1)', -1],
    ['log(e)', 1],
    ['log10(1000)', 3],
    ['sin(0)', 0],
    ['cos(pi)', -1],
    ['tan(0)', 0],
    ['sqrt(abs(-9)) + max(1, min(5, 3))', 6],
    ['Sqrt(4)', 2],
    // Mixed
    ['(17.5 * 3 + 2) / 4', 13.625],
    ['((((1))))', 1],
    ['1 - 2 + 3', 2],
    ['0.1 + 0.2', 0.30000000000000004],
  ];

  it.each(cases)('%s = %d', (expression, expected) => {
    expect(evaluateExpression(expression)).toBeCloseTo(expected, 12);
  });

  it('has a table of at least 40 expressions', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  const hostile: Array<[expression: string, error: string | RegExp]> = [
    ['', 'The expression is empty.'],
    ['   ', 'The expression is empty.'],
    [
      'constructor',
      /^Unknown name "constructor" at position 1\. Constants: pi, e\. Functions: sqrt/,
    ],
    ['__proto__', /^Unknown name "__proto__" at position 1\./],
    ['toString()', /^Unknown name "toString" at position 1\./],
    ['process.exit()', /^Unknown name "process" at position 1\./],
    ['require("fs")', /^Unknown name "require" at position 1\./],
    ['x + 1', /^Unknown name "x" at position 1\./],
    ['1/0', 'Division by zero ("/" at position 2).'],
    ['5 % 0', 'Division by zero ("%" at position 3).'],
    ['1 / (2 - 2)', 'Division by zero ("/" at position 3).'],
    ['0^-1', 'Division by zero (0 to a negative power at position 2).'],
    ['2^^3', 'Unexpected token "^" at position 3.'],
    ['((1)', 'Missing ")" to close the "(" at position 1.'],
    ['(1))', 'Unexpected token ")" at position 4.'],
    ['()', 'Unexpected token ")" at position 2.'],
    ['1 +', 'The expression ends too early: a number or "(" is missing at the end.'],
    ['* 2', 'Unexpected token "*" at position 1.'],
    ['2 ** 3', 'Unexpected token "*" at position 4.'],
    ['1 2', 'Unexpected token "2" at position 3.'],
    ['2(3)', 'Unexpected token "(" at position 2.'],
    ['1.2.3', 'Malformed number "1.2.3" at position 1.'],
    ['1e', 'Malformed number "1e" at position 1.'],
    ['2pi', 'Malformed number "2pi" at position 1.'],
    ['1 = 1', 'Unexpected character "=" at position 3.'],
    ['1; 2', 'Unexpected character ";" at position 2.'],
    ['"1"', 'Unexpected character """ at position 1.'],
    ['[1]', 'Unexpected character "[" at position 1.'],
    ['`1`', 'Unexpected character "`" at position 1.'],
    ['sqrt', 'sqrt at position 1 is a function; call it like sqrt(2).'],
    ['pi(2)', 'pi at position 1 is a constant, not a function.'],
    ['sqrt(1, 2)', 'sqrt takes 1 argument, got 2.'],
    ['min()', 'min takes 1 to 100 arguments, got 0.'],
    ['max(1,)', 'Unexpected token ")" at position 7.'],
    ['sqrt(-1)', 'sqrt of a negative number (-1) is not a real number.'],
    ['log(0)', 'log is only defined for positive numbers (got 0).'],
    ['log10(-10)', 'log10 is only defined for positive numbers (got -10).'],
    ['(-8)^(1/3)', '"^" at position 5 gives no real number.'],
    ['10^400', '"^" at position 3 overflows: the result is too large.'],
    ['1e308 * 10', '"*" at position 7 overflows: the result is too large.'],
    ['1e999', 'The number 1e999 at position 1 is too large.'],
    ['-'.repeat(150) + '1', 'The expression nests too deeply (more than 100 levels).'],
    [
      '('.repeat(150) + '1' + ')'.repeat(150),
      'The expression nests too deeply (more than 100 levels).',
    ],
    [
      '1+'.repeat(5_000) + '1',
      `The expression is too long (10001 characters; the limit is ${MAX_EXPRESSION_LENGTH}).`,
    ],
  ];

  it.each(hostile)('rejects %j', (expression, message) => {
    let caught: unknown;
    try {
      evaluateExpression(expression);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ToolError);
    if (typeof message === 'string') expect((caught as ToolError).message).toBe(message);
    else expect((caught as ToolError).message).toMatch(message);
  });

  it('accepts an expression of exactly the maximum length and no more', () => {
    expect(evaluateExpression('1'.padEnd(MAX_EXPRESSION_LENGTH, ' '))).toBe(1);
    expect(() => evaluateExpression('1'.padEnd(MAX_EXPRESSION_LENGTH + 1, ' '))).toThrow(
      /too long/,
    );
  });
});
