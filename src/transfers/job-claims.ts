import type { DataSource } from 'typeorm';
import { HEARTBEAT_MS } from '../database/gateway-node.service';

/**
 * Which replica works which tick or sync job, so that the work of a replica whose heartbeat has
 * stopped (killed, frozen, cut off) goes back to the queue within a minute instead of waiting for
 * pg-boss' expiry (15 minutes), and a restart or another replica finishes it.
 */
export class JobClaims {
  constructor(
    private readonly dataSource: DataSource,
    private readonly nodeId: string,
  ) {}

  /** Runs a job under this replica's claim. */
  async run<T>(jobId: string, queue: string, work: () => Promise<T>): Promise<T> {
    await this.dataSource.query(
      `INSERT INTO job_claim (job_id, queue, node_id, claimed_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (job_id) DO UPDATE SET node_id = excluded.node_id, claimed_at = now()`,
      [jobId, queue, this.nodeId],
    );
    try {
      return await work();
    } finally {
      await this.dataSource.query('DELETE FROM job_claim WHERE job_id = $1 AND node_id = $2', [
        jobId,
        this.nodeId,
      ]);
    }
  }

  /**
   * Hands back to the queue the jobs still active under replicas not heard from for three
   * heartbeats (or stopped): they are fetched again at once. Returns the jobs handed back.
   */
  async releaseDead(): Promise<Array<{ id: string; name: string }>> {
    const [released] = await this.dataSource.query<[Array<{ id: string; name: string }>, number]>(
      `WITH dead AS (
         DELETE FROM job_claim c
          WHERE NOT EXISTS (
            SELECT 1 FROM gateway_node n
             WHERE n.id = c.node_id AND n.stopped_at IS NULL
               AND n.last_seen_at >= now() - make_interval(secs => $1))
         RETURNING job_id)
       UPDATE pgboss.job SET state = 'retry', start_after = now(), started_on = NULL
        WHERE id IN (SELECT job_id FROM dead) AND state = 'active'
       RETURNING id, name`,
      [(3 * HEARTBEAT_MS) / 1000],
    );
    return released;
  }
}
