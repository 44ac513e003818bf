import { evaluateRule, parseRule, RuleSyntaxError } from './form-rules';

describe('form rules', () => {
  it('reads sums over columns and evaluates them on a row', () => {
    const rule = parseRule('c3 = c4 + c5 + c6');
    expect(rule.columns).toEqual([3, 4, 5, 6]);
    expect(evaluateRule(rule, { 3: 10, 4: 5, 5: 3, 6: 2 })).toEqual({
      holds: true,
      expected: 10,
      actual: 10,
    });
    expect(evaluateRule(rule, { 3: 13, 4: 5, 5: 3, 6: 2 })).toEqual({
      holds: false,
      expected: 10,
      actual: 13,
    });
  });

  it('reads the previous period, and does not apply without one', () => {
    const rule = parseRule('c6 = previous.c11');
    expect(rule.usesPrevious).toBe(true);
    expect(evaluateRule(rule, { 6: 4 })).toBeUndefined();
    expect(evaluateRule(rule, { 6: 4 }, { 11: 5 })).toEqual({
      holds: false,
      expected: 5,
      actual: 4,
    });
  });

  it('handles subtraction and constants, and skips rows missing a cell', () => {
    expect(evaluateRule(parseRule('c3 - c4 = 2'), { 3: 7, 4: 5 })).toMatchObject({ holds: true });
    expect(evaluateRule(parseRule('c3 = c4'), { 3: 1 })).toBeUndefined();
  });

  it.each(['c3', 'c3 = ', '= c4', 'c3 = c4 = c5', 'c3 = + c4', 'c3 = c4 c5', 'c3 = x4'])(
    'refuses "%s"',
    (expression) => {
      expect(() => parseRule(expression)).toThrow(RuleSyntaxError);
    },
  );
});
