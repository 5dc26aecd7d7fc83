/**
 * A small arithmetic language for the calculator tool, parsed by recursive descent. Nothing is
 * ever handed to `eval` or `Function`, and names are looked up in fixed tables (Maps), so input
 * such as `constructor` or `__proto__` is just an unknown name.
 *
 * Grammar, loosest binding first (`^` binds tighter than unary minus, so -2^2 is -4, and is
 * right-associative, so 2^3^2 is 2^9):
 *
 *   expression := term (("+" | "-") term)*
 *   term       := unary (("*" | "/" | "%") unary)*
 *   unary      := ("-" | "+") unary | power
 *   power      := primary ("^" unary)?
 *   primary    := number | constant | function "(" expression ("," expression)* ")" | "(" expression ")"
 *
 * Why one file: a tokenizer, a recursive-descent parser and an evaluator of one small grammar,
 * read best next to the grammar above.
 */
import { ToolError } from './tool.ts';

/** The longest expression accepted, in characters. */
export const MAX_EXPRESSION_LENGTH = 1_000;
/** How deeply parentheses, calls and signs may nest. */
const MAX_NESTING_DEPTH = 100;

interface FunctionSpec {
  minArguments: number;
  maxArguments: number;
  apply(values: number[]): number;
}

const CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['pi', Math.PI],
  ['e', Math.E],
]);

function unary(apply: (value: number) => number): FunctionSpec {
  return { minArguments: 1, maxArguments: 1, apply: (values) => apply(values[0] ?? Number.NaN) };
}

function positiveOnly(name: string, apply: (value: number) => number): FunctionSpec {
  return unary((value) => {
    if (value <= 0)
      throw new ToolError(`${name} is only defined for positive numbers (got ${value}).`);
    return apply(value);
  });
}

const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map([
  [
    'sqrt',
    unary((value) => {
      if (value < 0)
        throw new ToolError(`sqrt of a negative number (${value}) is not a real number.`);
      return Math.sqrt(value);
    }),
  ],
  ['abs', unary(Math.abs)],
  // Halves round away from zero, as people expect: round(-2.5) is -3.
  ['round', unary((value) => Math.sign(value) * Math.round(Math.abs(value)))],
  ['floor', unary(Math.floor)],
  ['ceil', unary(Math.ceil)],
  ['min', { minArguments: 1, maxArguments: 100, apply: (values) => Math.min(...values) }],
  ['max', { minArguments: 1, maxArguments: 100, apply: (values) => Math.max(...values) }],
  ['log', positiveOnly('log', Math.log)],
  ['log10', positiveOnly('log10', Math.log10)],
  ['sin', unary(Math.sin)],
  ['cos', unary(Math.cos)],
  ['tan', unary(Math.tan)],
]);

interface Token {
  kind: 'number' | 'name' | 'symbol' | 'invalid' | 'end';
  text: string;
  /** 1-based column in the expression, for error messages. */
  position: number;
}

const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER_TAIL = /[A-Za-z0-9_.]+/y;
const SYMBOLS = new Set(['+', '-', '*', '/', '%', '^', '(', ')', ',']);

/**
 * Evaluates an arithmetic expression. Trigonometry works in radians; `log` is the natural
 * logarithm; `%` is the remainder. Throws a {@link ToolError} whose message says what is wrong
 * and where (1-based position).
 * @example
 * evaluateExpression('2 * (3 + 4)^2'); // 98
 */
export function evaluateExpression(expression: string): number {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new ToolError(
      `The expression is too long (${expression.length} characters; the limit is ${MAX_EXPRESSION_LENGTH}).`,
    );
  }
  if (expression.trim() === '') throw new ToolError('The expression is empty.');
  return new Parser(tokenize(expression)).parseAll();
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < expression.length) {
    const character = expression.charAt(index);
    const position = index + 1;
    if (/\s/.test(character)) {
      index += 1;
      continue;
    }
    const number = matchAt(NUMBER, expression, index);
    if (number !== null) {
      // "1.2.3", "1e", "2pi": a number must not run straight into letters, digits or dots.
      const tail = matchAt(NUMBER_TAIL, expression, index + number.length);
      if (tail !== null)
        throw new ToolError(`Malformed number "${number}${tail}" at position ${position}.`);
      tokens.push({ kind: 'number', text: number, position });
      index += number.length;
      continue;
    }
    const name = matchAt(NAME, expression, index);
    if (name !== null) {
      tokens.push({ kind: 'name', text: name, position });
      index += name.length;
      continue;
    }
    // An unknown character becomes a token, reported when the parser reaches it, so that in
    // `process.exit()` the unknown name is what the user hears about, not the dot.
    tokens.push({ kind: SYMBOLS.has(character) ? 'symbol' : 'invalid', text: character, position });
    index += 1;
  }
  tokens.push({ kind: 'end', text: '', position: expression.length + 1 });
  return tokens;
}

function matchAt(pattern: RegExp, text: string, index: number): string | null {
  pattern.lastIndex = index;
  return pattern.exec(text)?.[0] ?? null;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): number {
    const value = this.parseExpression();
    const next = this.peek();
    if (next.kind !== 'end') throw unexpected(next);
    return value;
  }

  private parseExpression(): number {
    let value = this.parseTerm();
    for (
      let operator = this.peekSymbol('+', '-');
      operator !== null;
      operator = this.peekSymbol('+', '-')
    ) {
      this.advance();
      const right = this.parseTerm();
      value = checked(operator.text === '+' ? value + right : value - right, operator);
    }
    return value;
  }

  private parseTerm(): number {
    let value = this.parseUnary();
    for (
      let operator = this.peekSymbol('*', '/', '%');
      operator !== null;
      operator = this.peekSymbol('*', '/', '%')
    ) {
      this.advance();
      const right = this.parseUnary();
      if (operator.text !== '*' && right === 0) {
        throw new ToolError(
          `Division by zero ("${operator.text}" at position ${operator.position}).`,
        );
      }
      const result =
        operator.text === '*'
          ? value * right
          : operator.text === '/'
            ? value / right
            : value % right;
      value = checked(result, operator);
    }
    return value;
  }

  private parseUnary(): number {
    const sign = this.peekSymbol('+', '-');
    if (sign === null) return this.parsePower();
    this.advance();
    const operand = this.nested(() => this.parseUnary());
    return sign.text === '-' ? -operand : operand;
  }

  private parsePower(): number {
    const base = this.parsePrimary();
    const caret = this.peekSymbol('^');
    if (caret === null) return base;
    this.advance();
    const exponent = this.nested(() => this.parseUnary());
    if (base === 0 && exponent < 0) {
      throw new ToolError(
        `Division by zero (0 to a negative power at position ${caret.position}).`,
      );
    }
    return checked(base ** exponent, caret);
  }

  private parsePrimary(): number {
    const token = this.advance();
    if (token.kind === 'number') {
      const value = Number(token.text);
      if (!Number.isFinite(value)) {
        throw new ToolError(`The number ${token.text} at position ${token.position} is too large.`);
      }
      return value;
    }
    if (token.kind === 'name') return this.parseName(token);
    if (token.kind === 'symbol' && token.text === '(') {
      const value = this.nested(() => this.parseExpression());
      this.expectClosing(token);
      return value;
    }
    throw unexpected(token);
  }

  private parseName(token: Token): number {
    const name = token.text.toLowerCase();
    const constant = CONSTANTS.get(name);
    const callee = FUNCTIONS.get(name);
    const opensCall = this.peekSymbol('(') !== null;
    if (constant !== undefined) {
      if (opensCall)
        throw new ToolError(`${name} at position ${token.position} is a constant, not a function.`);
      return constant;
    }
    if (callee === undefined) {
      throw new ToolError(
        `Unknown name "${token.text}" at position ${token.position}. ` +
          `Constants: ${[...CONSTANTS.keys()].join(', ')}. Functions: ${[...FUNCTIONS.keys()].join(', ')}.`,
      );
    }
    if (!opensCall) {
      throw new ToolError(
        `${name} at position ${token.position} is a function; call it like ${name}(2).`,
      );
    }
    const opening = this.advance();
    const values = this.nested(() => this.parseArguments());
    this.expectClosing(opening);
    if (values.length < callee.minArguments || values.length > callee.maxArguments) {
      throw new ToolError(`${name} takes ${describeArity(callee)}, got ${values.length}.`);
    }
    return checked(callee.apply(values), token);
  }

  private parseArguments(): number[] {
    if (this.peekSymbol(')') !== null) return [];
    const values = [this.parseExpression()];
    while (this.peekSymbol(',') !== null) {
      this.advance();
      values.push(this.parseExpression());
    }
    return values;
  }

  private expectClosing(opening: Token): void {
    const token = this.peek();
    if (token.kind === 'symbol' && token.text === ')') {
      this.advance();
      return;
    }
    if (token.kind === 'end') {
      throw new ToolError(`Missing ")" to close the "(" at position ${opening.position}.`);
    }
    throw unexpected(token);
  }

  private nested<T>(parse: () => T): T {
    this.depth += 1;
    if (this.depth > MAX_NESTING_DEPTH) {
      throw new ToolError(
        `The expression nests too deeply (more than ${MAX_NESTING_DEPTH} levels).`,
      );
    }
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  private peek(): Token {
    // The token list always ends with an `end` token, and the parser never advances past it.
    return this.tokens[Math.min(this.index, this.tokens.length - 1)] as Token;
  }

  private advance(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private peekSymbol(...symbols: string[]): Token | null {
    const token = this.peek();
    return token.kind === 'symbol' && symbols.includes(token.text) ? token : null;
  }
}

function unexpected(token: Token): ToolError {
  if (token.kind === 'end') {
    return new ToolError('The expression ends too early: a number or "(" is missing at the end.');
  }
  const what = token.kind === 'invalid' ? 'character' : 'token';
  return new ToolError(`Unexpected ${what} "${token.text}" at position ${token.position}.`);
}

/** Rejects infinities and NaN, naming the operation (operator or function) that produced them. */
function checked(value: number, at: Token): number {
  const where = `"${at.text}" at position ${at.position}`;
  if (Number.isNaN(value)) throw new ToolError(`${where} gives no real number.`);
  if (!Number.isFinite(value)) throw new ToolError(`${where} overflows: the result is too large.`);
  return value;
}

function describeArity(spec: FunctionSpec): string {
  if (spec.minArguments === spec.maxArguments) {
    return `${spec.minArguments} argument${spec.minArguments === 1 ? '' : 's'}`;
  }
  return `${spec.minArguments} to ${spec.maxArguments} arguments`;
}
