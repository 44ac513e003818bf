import { EmbeddedPostgres } from '../src/database/embedded-postgres';
(async () => {
  const dir = process.argv[2];
  const t = Date.now();
  const pg = await EmbeddedPostgres.start({ dataDir: dir, database: 'baocao', log: console.log, ephemeral: true });
  console.log('started', Date.now() - t, pg.url, pg.pid);
  await pg.stop();
  console.log('stopped', Date.now() - t);
})();
