import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { startTestGateway } from './support/gateway';

describe('docs/openapi.json', () => {
  it('is the API description the gateway serves (regenerate with `npm run cli -- openapi`)', async () => {
    const gateway = await startTestGateway();
    try {
      const served = (await request(gateway.url).get('/api/openapi.json').expect(200)).body;
      const committed: unknown = JSON.parse(
        readFileSync(path.join(__dirname, '..', 'docs', 'openapi.json'), 'utf8'),
      );
      expect(served).toEqual(committed);
    } finally {
      await gateway.close();
    }
  });
});
