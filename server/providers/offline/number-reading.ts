/**
 * The arithmetic an offline persona can do with the quantities a question names: a monthly price
 * over a year against an annual one, a percentage off an amount, the time a distance takes, a
 * total. Each reading gives table rows (for Scout), a one-sentence verdict (for Sage), a caveat
 * (for Critic) and the expression a calculator would check.
 */
import { capitalize } from './markdown-writing.ts';
import type { Question, Quantity } from './question-reading.ts';

export interface NumberReading {
  /** Label and value rows for a small table, in reading order. */
  rows: [string, string][];
  /** The answer to the question in one sentence, when the numbers settle it. */
  verdict: string | undefined;
  /** What the numbers do not settle, or the condition under which the verdict flips. */
  caveat: string | undefined;
  /** A calculator expression for the main figure, e.g. `110 * 12`. */
  expression: string | undefined;
}

/**
 * Reads the numbers in `question`.
 * @example
 * readNumbers(readQuestion('Is €1,200 a year cheaper than €110 a month?')).verdict;
 * // 'The €1,200 yearly price is cheaper: €110 a month comes to €1,320 over 12 months, €120 more.'
 */
export function readNumbers(question: Question): NumberReading {
  const money = question.quantities.filter((quantity) => quantity.currency);
  const monthly = money.find((quantity) => quantity.per === 'month');
  const other = money.find((quantity) => quantity !== monthly && quantity.per !== 'month');
  if (monthly && other) return monthlyAgainstOnce(monthly, other);
  const percent = question.quantities.find((quantity) => quantity.unit === '%');
  if (percent && money[0]) return percentOf(percent, money[0], question.text);
  const distance = question.quantities.find(
    (quantity) => quantity.unit === 'km' || quantity.unit === 'mi',
  );
  if (distance) return travelTimes(distance, money[0]);
  if (money.length >= 2) return total(money);
  const only = money[0];
  return {
    rows: only ? [['Amount named', only.text]] : [],
    verdict: undefined,
    caveat: undefined,
    expression: undefined,
  };
}

function monthlyAgainstOnce(monthly: Quantity, other: Quantity): NumberReading {
  const year = monthly.value * 12;
  const difference = Math.abs(year - other.value);
  const otherLabel = other.per === 'year' ? 'yearly price' : 'one-off price';
  const cheaper = other.value < year ? `the ${amount(other)} ${otherLabel}` : 'paying monthly';
  const months = other.value / monthly.value;
  const share = Math.round((difference / Math.max(year, other.value)) * 100);
  return {
    rows: [
      ['Monthly', `${amount(monthly)} × 12 = ${amount(monthly, year)} a year`],
      [other.per === 'year' ? 'Yearly' : 'One-off', amount(other)],
      ['Difference', `${amount(monthly, difference)} over 12 months (${share}%)`],
      ['Break-even', `${formatNumber(months)} months of monthly payments`],
    ],
    verdict:
      difference === 0
        ? `They cost the same: ${amount(monthly)} a month is ${amount(monthly, year)} over 12 months.`
        : `${capitalize(cheaper)} is cheaper: ${amount(monthly)} a month comes to ${amount(monthly, year)} over 12 months, ${amount(monthly, difference)} ${other.value < year ? 'more' : 'less'} than ${amount(other)}.`,
    caveat: `the ${amount(other)} only pays off if you would keep paying for at least ${Math.ceil(months)} months (${amount(other)} ÷ ${amount(monthly)} ≈ ${formatNumber(months)}); stop earlier and monthly wins`,
    expression: `${monthly.value} * 12`,
  };
}

function percentOf(percent: Quantity, base: Quantity, text: string): NumberReading {
  const off = /\b(off|discount|less|reduction|sale|cheaper)\b/i.test(text);
  const part = (base.value * percent.value) / 100;
  const result = off ? base.value - part : part;
  return {
    rows: [
      ['Price', amount(base)],
      [off ? `${percent.text} off` : percent.text, amount(base, part)],
      [off ? 'You pay' : 'Result', amount(base, result)],
    ],
    verdict: off
      ? `${percent.text} off ${amount(base)} is ${amount(base, part)} off, so you pay ${amount(base, result)}.`
      : `${percent.text} of ${amount(base)} is ${amount(base, result)}.`,
    caveat: off
      ? `check whether the ${percent.text} applies before or after tax and delivery, which changes what you actually pay`
      : undefined,
    expression: off
      ? `${base.value} * (1 - ${percent.value} / 100)`
      : `${base.value} * ${percent.value} / 100`,
  };
}

function travelTimes(distance: Quantity, budget: Quantity | undefined): NumberReading {
  const [slow, fast] = distance.unit === 'mi' ? [10, 13] : [15, 20];
  const speedUnit = distance.unit === 'mi' ? 'mph' : 'km/h';
  const minutes = (speed: number): number => Math.round((distance.value / speed) * 60);
  return {
    rows: [
      [
        'Distance',
        `${distance.text} each way, ${formatNumber(distance.value * 2)} ${distance.unit} a day`,
      ],
      [`At ${slow} ${speedUnit}`, `about ${minutes(slow)} min each way`],
      [`At ${fast} ${speedUnit}`, `about ${minutes(fast)} min each way`],
      ['Five days a week', `${formatNumber(distance.value * 10)} ${distance.unit}`],
      ...(budget ? [['Budget', amount(budget)] as [string, string]] : []),
    ],
    verdict: `${distance.text} each way is about ${minutes(fast)} to ${minutes(slow)} minutes at an everyday pace.`,
    caveat: `${distance.text} each way is ${formatNumber(distance.value * 10)} ${distance.unit} a week on workdays, so comfort and reliability matter more than they seem on a test ride`,
    expression: `${distance.value} / ${fast} * 60`,
  };
}

function total(money: Quantity[]): NumberReading {
  const sum = money.reduce((running, quantity) => running + quantity.value, 0);
  const first = money[0] as Quantity;
  return {
    rows: [
      ...money.map((quantity, index): [string, string] => [
        `Amount ${index + 1}`,
        amount(quantity),
      ]),
      ['Total', amount(first, sum)],
    ],
    verdict: `Together they come to ${amount(first, sum)}.`,
    caveat: 'totals hide what each amount buys: compare what is included, not only the price',
    expression: money.map((quantity) => quantity.value).join(' + '),
  };
}

/** `value` (default: the quantity's own) in the quantity's currency: `€1,320`, `1,320 EUR`. */
function amount(quantity: Quantity, value = quantity.value): string {
  const number = formatNumber(value);
  const currency = quantity.currency ?? '';
  return /^[€$£¥]$/.test(currency) ? `${currency}${number}` : `${number} ${currency}`.trim();
}

/**
 * A number for people: thousands separated, at most two decimals, none when whole.
 * @example
 * formatNumber(10.909); // '10.9'
 */
export function formatNumber(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: value < 100 ? 1 : 2 });
}
