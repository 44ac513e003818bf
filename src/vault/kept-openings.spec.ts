import { KeptOpenings } from './kept-openings';

describe('openings kept for a while', () => {
  let now = 1_000_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it('concurrent callers share one opening until it is due again', async () => {
    const kept = new KeptOpenings<number>(10_000);
    const open = jest.fn(() => Promise.resolve(7));
    await Promise.all([kept.get('u', open), kept.get('u', open)]);
    expect(open).toHaveBeenCalledTimes(1);
    now += 10_001;
    await kept.get('u', open);
    expect(open).toHaveBeenCalledTimes(2);
  });

  it('a failed opening is not kept', async () => {
    const kept = new KeptOpenings<number>(10_000);
    await expect(kept.get('u', () => Promise.reject(new Error('vault closed')))).rejects.toThrow();
    await expect(kept.get('u', () => Promise.resolve(8))).resolves.toBe(8);
  });

  it('an old opening that fails late leaves the newer one kept', async () => {
    const kept = new KeptOpenings<number>(10_000);
    let fail!: (error: Error) => void;
    const slow = kept.get('u', () => new Promise<number>((_, reject) => (fail = reject)));
    now += 10_001;
    await expect(kept.get('u', () => Promise.resolve(9))).resolves.toBe(9);
    fail(new Error('timed out'));
    await expect(slow).rejects.toThrow('timed out');
    const open = jest.fn(() => Promise.resolve(10));
    await expect(kept.get('u', open)).resolves.toBe(9);
    expect(open).not.toHaveBeenCalled();
  });
});
