import { QUEUES, TransferQueue } from '../src/transfers/transfer-queue';
import { freshDatabaseUrl } from './support/database';

/**
 * Replicas starting at the same moment on a new database: pg-boss installs its schema and the
 * gateway creates its queues, and every replica starts (pg-boss' create_queue deadlocked when
 * two replicas created the same queue at once, and the losing replica did not start).
 */
describe('job queues on a new database', () => {
  it('four replicas starting together all start, and each queue exists once', async () => {
    for (let round = 0; round < 3; round++) {
      const url = await freshDatabaseUrl({ fromTemplate: false });
      const queues = Array.from({ length: 4 }, () => new TransferQueue(url));
      const errors: Error[] = [];
      const started = await Promise.allSettled(
        queues.map((queue) => queue.start((error) => errors.push(error))),
      );
      try {
        expect(started.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
        const names = (await queues[0].boss.getQueues())
          .map((queue) => queue.name)
          .filter((name) => name.startsWith('transfers.'))
          .sort();
        expect(names).toEqual(Object.values(QUEUES).sort());
        expect(errors).toEqual([]);
      } finally {
        await Promise.all(queues.map((queue) => queue.stop(1000)));
      }
    }
  }, 120_000);
});
