import { rememberUpTo } from './remember';

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
