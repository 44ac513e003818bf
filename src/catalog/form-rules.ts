/**
 * Balance rules of the numeric forms, kept in the form definitions as expressions over column
 * numbers: "c3 = c4 + c5 + c6", "c6 = previous.c11" (the same row of the previous period).
 */
export interface Term {
  sign: 1 | -1;
  column?: number;
  previous?: boolean;
  constant?: number;
}

export interface ParsedRule {
  left: Term[];
  right: Term[];
  /** Columns the rule reads, this period's and the previous period's. */
  columns: number[];
  usesPrevious: boolean;
}

export class RuleSyntaxError extends Error {}

const TOKEN = /\s*(previous\.c\d+|c\d+|\d+|[+=-])/y;

export function parseRule(expression: string): ParsedRule {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(expression);
    if (!match) {
      if (expression.slice(start).trim() === '') break;
      throw new RuleSyntaxError(
        `cannot read "${expression.slice(start).trim()}" in rule "${expression}"`,
      );
    }
    tokens.push(match[1]);
  }
  const equals = tokens.indexOf('=');
  if (equals < 1 || tokens.lastIndexOf('=') !== equals || equals === tokens.length - 1) {
    throw new RuleSyntaxError(`rule "${expression}" must be one equation: terms = terms`);
  }
  const side = (part: string[]): Term[] => {
    const terms: Term[] = [];
    let sign: 1 | -1 = 1;
    let expectTerm = true;
    for (const token of part) {
      if (token === '+' || token === '-') {
        if (expectTerm) throw new RuleSyntaxError(`unexpected "${token}" in rule "${expression}"`);
        sign = token === '+' ? 1 : -1;
        expectTerm = true;
        continue;
      }
      if (!expectTerm)
        throw new RuleSyntaxError(`missing operator before "${token}" in rule "${expression}"`);
      if (token.startsWith('previous.'))
        terms.push({ sign, column: Number(token.slice('previous.c'.length)), previous: true });
      else if (token.startsWith('c')) terms.push({ sign, column: Number(token.slice(1)) });
      else terms.push({ sign, constant: Number(token) });
      expectTerm = false;
    }
    if (expectTerm) throw new RuleSyntaxError(`rule "${expression}" ends with an operator`);
    return terms;
  };
  const left = side(tokens.slice(0, equals));
  const right = side(tokens.slice(equals + 1));
  const all = [...left, ...right];
  return {
    left,
    right,
    columns: [
      ...new Set(all.filter((term) => term.column !== undefined).map((term) => term.column!)),
    ],
    usesPrevious: all.some((term) => term.previous),
  };
}

export type Cells = Readonly<Record<number, number | undefined>>;

export interface RuleOutcome {
  holds: boolean;
  /** The value the left side should have (the right side), and the value it has. */
  expected: number;
  actual: number;
}

/**
 * Evaluates a rule on a row. Returns undefined when it cannot apply: a cell is missing, or the
 * rule reads the previous period and there is none.
 */
export function evaluateRule(
  rule: ParsedRule,
  cells: Cells,
  previous?: Cells,
): RuleOutcome | undefined {
  const holds = ruleHolds(rule, cells, previous);
  if (holds === undefined) return undefined;
  return {
    holds,
    expected: sumOf(rule.right, cells, previous)!,
    actual: sumOf(rule.left, cells, previous)!,
  };
}

/** Whether a rule holds on a row (undefined where it cannot apply, as evaluateRule says), with
 * no outcome made: the validator asks it of every rule of every row. */
export function ruleHolds(rule: ParsedRule, cells: Cells, previous?: Cells): boolean | undefined {
  if (rule.usesPrevious && !previous) return undefined;
  const actual = sumOf(rule.left, cells, previous);
  if (actual === undefined) return undefined;
  const expected = sumOf(rule.right, cells, previous);
  if (expected === undefined) return undefined;
  return actual === expected;
}

function sumOf(terms: readonly Term[], cells: Cells, previous?: Cells): number | undefined {
  let total = 0;
  for (const term of terms) {
    const value =
      term.constant !== undefined
        ? term.constant
        : (term.previous ? previous : cells)?.[term.column!];
    if (value === undefined || !Number.isFinite(value)) return undefined;
    total += term.sign * value;
  }
  return total;
}
