import type { INestApplication } from '@nestjs/common';
import type { Browser } from 'playwright-core';
import { createGateway } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/load-config';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators';
import { launchBrowser } from './browser';
import { freePort } from './gateway';
import { simulatorGatewayEnv } from './gateway-env';

export interface ConsoleGateway {
  app: INestApplication;
  sims: RunningSimulators;
  /** The console's address, which the simulated SSO redirects back to. */
  base: string;
  browser: Browser;
  stop: () => Promise<void>;
}

/**
 * The gateway with its console on a loopback port known before it starts (the SSO's redirect),
 * over the simulators and the database given, and a browser to sign in with: what the console
 * bench and `npm run screenshots` drive.
 */
export async function startConsoleGateway(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<ConsoleGateway> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const sims = await startSimulators({
    ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
    asOf: new Date('2026-11-27T12:00:00Z'),
    redirectUris: [`${base}/auth/callback`],
  });
  const config = loadConfig({
    env: { ...simulatorGatewayEnv(sims, { consoleBase: base }), LOG_LEVEL: 'warn', ...env },
  });
  const app = await createGateway({ config, databaseUrl });
  const browser = await launchBrowser();
  await app.listen(port, '127.0.0.1');
  return {
    app,
    sims,
    base,
    browser,
    stop: async () => {
      await browser.close().catch(() => undefined);
      await app.close();
      await sims.stop();
    },
  };
}
