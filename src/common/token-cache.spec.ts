import { TokenCache } from './token-cache';

describe('TokenCache', () => {
  it('100 concurrent calls for one account make one token request', async () => {
    let requests = 0;
    const cache = new TokenCache(async (account) => {
      requests += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { accessToken: `${account}-${requests}`, expiresAt: Date.now() + 600_000 };
    });
    const tokens = await Promise.all(Array.from({ length: 100 }, () => cache.get('a')));
    expect(requests).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['a-1']));
    await cache.get('b');
    expect(requests).toBe(2);
  });

  it('refreshes ahead of expiry, and after an invalidation', async () => {
    let clock = 0;
    let requests = 0;
    const cache = new TokenCache(
      () => Promise.resolve({ accessToken: `t${++requests}`, expiresAt: clock + 60_000 }),
      30_000,
      () => clock,
    );
    expect(await cache.get('a')).toBe('t1');
    clock = 29_000;
    expect(await cache.get('a')).toBe('t1');
    clock = 31_000;
    expect(await cache.get('a')).toBe('t2');
    cache.invalidate('a', 't1');
    expect(await cache.get('a')).toBe('t2');
    cache.invalidate('a', 't2');
    expect(await cache.get('a')).toBe('t3');
  });

  it('a token of a few seconds is used for half its life, not refreshed at every call', async () => {
    let clock = 0;
    let requests = 0;
    const cache = new TokenCache(
      () => Promise.resolve({ accessToken: `t${++requests}`, expiresAt: clock + 4_000 }),
      30_000,
      () => clock,
    );
    expect(await cache.get('a')).toBe('t1');
    clock = 1_900;
    expect(await cache.get('a')).toBe('t1');
    clock = 2_100;
    expect(await cache.get('a')).toBe('t2');
    expect(requests).toBe(2);
  });

  it('a failed request is not cached: the next call tries again', async () => {
    let calls = 0;
    const cache = new TokenCache(() =>
      ++calls === 1
        ? Promise.reject(new Error('down'))
        : Promise.resolve({ accessToken: 'ok', expiresAt: Date.now() + 60_000 }),
    );
    await expect(cache.get('a')).rejects.toThrow('down');
    expect(await cache.get('a')).toBe('ok');
  });

  it('remembers a permanent refusal for a while instead of asking again', async () => {
    let clock = 0;
    let calls = 0;
    const cache = new TokenCache(
      () => {
        calls += 1;
        return Promise.reject(new Error('account disabled'));
      },
      30_000,
      () => clock,
      () => true,
      60_000,
    );
    await expect(cache.get('a')).rejects.toThrow('disabled');
    await expect(cache.get('a')).rejects.toThrow('disabled');
    expect(calls).toBe(1);
    clock = 61_000;
    await expect(cache.get('a')).rejects.toThrow('disabled');
    expect(calls).toBe(2);
    cache.forgive('a');
    await expect(cache.get('a')).rejects.toThrow('disabled');
    expect(calls).toBe(3);
  });
});
