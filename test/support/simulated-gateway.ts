import { seedDemoVault } from '../../src/simulators/demo';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators';
import { VaultService } from '../../src/vault/vault.service';
import { freshDatabaseUrl } from './database';
import { startTestGateway, type TestGateway } from './gateway';
import { simulatorGatewayEnv } from './gateway-env';

/**
 * The four simulators on ports of their own (the demo data as of the golden files' instant) and
 * a gateway over them on a fresh database, its vault holding the demo's accounts.
 */
export async function startSimulatedGateway(
  env: Record<string, string> = {},
): Promise<{ sims: RunningSimulators; gateway: TestGateway }> {
  const sims = await startSimulators({
    ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
    asOf: new Date('2026-11-27T12:00:00Z'),
    redirectUris: ['http://127.0.0.1:9/callback'],
  });
  const gateway = await startTestGateway({
    env: { ...simulatorGatewayEnv(sims), ...env },
    databaseUrl: await freshDatabaseUrl({ fromTemplate: true }),
  });
  await seedDemoVault(gateway.app.get(VaultService).vault, sims);
  return { sims, gateway };
}
