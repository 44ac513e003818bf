import { CallGate } from './call-gate';
import { RemoteSystemError } from './remote-system-error';

const serverError = () => new RemoteSystemError('national', 503, true, 'down');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CallGate', () => {
  it('never lets more than maxConcurrent calls run at once', async () => {
    const gate = new CallGate('national', {
      maxConcurrent: 3,
      maxPerSecond: 0,
      failureThreshold: 5,
      cooldownMs: 1000,
    });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        gate.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await sleep(5);
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('spaces starts evenly at maxPerSecond', async () => {
    const gate = new CallGate('national', {
      maxConcurrent: 0,
      maxPerSecond: 50,
      failureThreshold: 5,
      cooldownMs: 1000,
    });
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, () =>
        gate.run(async (ready) => {
          await ready();
          starts.push(Date.now());
        }),
      ),
    );
    starts.sort((a, b) => a - b);
    // Ten starts at 50 per second span at least nine gaps of 20 ms.
    expect(starts[9] - starts[0]).toBeGreaterThanOrEqual(170);
  });

  it('keeps to maxPerSecond when the event loop stalls: late timers never send together', async () => {
    const gate = new CallGate('national', {
      maxConcurrent: 0,
      maxPerSecond: 20,
      failureThreshold: 5,
      cooldownMs: 1000,
    });
    const starts: number[] = [];
    const calls = Promise.all(
      Array.from({ length: 30 }, () =>
        gate.run(async (ready) => {
          await ready();
          starts.push(Date.now());
          // A retry inside the same call (a 401 and a new token) is a request too.
          if (starts.length % 5 === 0) {
            await ready();
            starts.push(Date.now());
          }
        }),
      ),
    );
    // A busy machine: the event loop is blocked for 300 ms while starts are waiting.
    await sleep(120);
    const blockedUntil = Date.now() + 300;
    while (Date.now() < blockedUntil);
    await calls;
    const gaps = starts.slice(1).map((start, index) => start - starts[index]);
    // 50 ms apart at 20 per second (timers round to the millisecond).
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(49);
    const busiest = Math.max(
      ...starts.map(
        (start) => starts.filter((other) => other >= start && other <= start + 1000).length,
      ),
    );
    expect(busiest).toBeLessThanOrEqual(20);
  }, 10_000);

  it('opens after failures in a row, fails fast (retryable, not sent), and a good probe closes it', async () => {
    let now = 1_000_000;
    const gate = new CallGate(
      'national',
      { maxConcurrent: 0, maxPerSecond: 0, failureThreshold: 3, cooldownMs: 30_000 },
      () => now,
    );
    const work = jest.fn(() => Promise.reject(serverError()));
    for (let index = 0; index < 3; index++) await expect(gate.run(work)).rejects.toThrow('down');
    expect(gate.circuit.state).toBe('open');
    const refused = await gate.run(work).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      retryable: true,
      ambiguous: false,
      retryAfterSeconds: 30,
      code: 'CIRCUIT_OPEN',
      message: expect.stringContaining('mạch ngắt'),
    });
    expect(work).toHaveBeenCalledTimes(3);
    // Throttling and refusals are answers from a working system: they do not count.
    now += 30_000;
    await expect(gate.run(() => Promise.resolve('ok'))).resolves.toBe('ok');
    expect(gate.circuit.state).toBe('closed');
    for (let index = 0; index < 5; index++)
      await expect(
        gate.run(() => Promise.reject(new RemoteSystemError('national', 429, true, 'slow down'))),
      ).rejects.toThrow('slow down');
    expect(gate.circuit.state).toBe('closed');
  });

  it('a write whose answer was lost does not count: the read-back that settles it does', async () => {
    const gate = new CallGate(
      'national',
      { maxConcurrent: 0, maxPerSecond: 0, failureThreshold: 2, cooldownMs: 30_000 },
      () => 0,
    );
    const lost = () =>
      Promise.reject(
        new RemoteSystemError('national', null, true, 'socket hang up', { ambiguous: true }),
      );
    for (let index = 0; index < 10; index++)
      await expect(gate.run(lost)).rejects.toThrow('hang up');
    expect(gate.circuit).toMatchObject({ state: 'closed', failures: 0 });
    // A read that gets no answer is a failing system.
    for (let index = 0; index < 2; index++)
      await expect(
        gate.run(() => Promise.reject(new RemoteSystemError('national', null, true, 'timeout'))),
      ).rejects.toThrow('timeout');
    expect(gate.circuit.state).toBe('open');
  });

  it('a failed probe opens it again for another cooldown', async () => {
    let now = 0;
    const gate = new CallGate(
      'national',
      { maxConcurrent: 0, maxPerSecond: 0, failureThreshold: 1, cooldownMs: 10_000 },
      () => now,
    );
    await expect(gate.run(() => Promise.reject(serverError()))).rejects.toThrow();
    now = 10_000;
    await expect(gate.run(() => Promise.reject(serverError()))).rejects.toThrow('down');
    expect(gate.circuit).toMatchObject({ state: 'open', openUntil: 20_000 });
  });
});
