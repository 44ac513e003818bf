import { rememberPer, rememberUpTo } from './remember';

describe('rememberUpTo', () => {
  it('makes each key once, and forgets everything when full', () => {
    const made: string[] = [];
    const upper = rememberUpTo(2, (key: string) => {
      made.push(key);
      return key.toUpperCase();
    });
    expect([upper('a'), upper('b'), upper('a'), upper('b')]).toEqual(['A', 'B', 'A', 'B']);
    expect(made).toEqual(['a', 'b']);
    expect(upper('c')).toBe('C'); // full: a and b forgotten
    expect(upper('a')).toBe('A');
    expect(made).toEqual(['a', 'b', 'c', 'a']);
  });

  it('remembers a false answer too', () => {
    let calls = 0;
    const never = rememberUpTo(10, () => (calls++, false));
    never('x');
    never('x');
    expect(calls).toBe(1);
  });
});

describe('rememberPer', () => {
  it('makes the answer for each object once, an undefined one too', () => {
    const made: object[] = [];
    const one = {};
    const other = {};
    const nothing = rememberPer((key: object) => {
      made.push(key);
      return key === one ? undefined : made.length;
    });
    expect([nothing(one), nothing(other), nothing(one), nothing(other)]).toEqual([
      undefined,
      2,
      undefined,
      2,
    ]);
    expect(made).toEqual([one, other]);
  });
});
