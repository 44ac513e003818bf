import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTransport } from 'nodemailer';
import { loadConfig } from '../config/load-config';
import { pointAtSimulators } from './demo';
import { DemoMailbox } from './mailbox';
import type { RunningSimulators } from './simulators';

describe("demo mode's local mailbox", () => {
  it('keeps each message it is given as an .eml file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-mailbox-'));
    const mailbox = await DemoMailbox.start(dir, 0);
    try {
      const transport = createTransport(mailbox.url);
      await transport.sendMail({
        from: 'baocao-gateway@localhost',
        to: 'vanthu@quangngai.gov.vn',
        subject: '[Không hợp lệ] II.06a/VPCP/KSTT của QNG-X-001',
        text: 'Dòng "Hộ tịch": cột 3 phải bằng cột 4 + cột 5 + cột 6.',
      });
      transport.close();
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/\.eml$/);
      expect(readFileSync(path.join(dir, files[0]), 'utf8')).toContain('vanthu@quangngai.gov.vn');
    } finally {
      await mailbox.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('receives the notifications of demo mode: the operators, and the district officer for their district', () => {
    const config = pointAtSimulators(loadConfig({ env: {} }), {
      urls: {
        provincialReports: 'http://127.0.0.1:1',
        provincialSso: 'http://127.0.0.1:2',
        nationalReports: 'http://127.0.0.1:3',
        nationalIdp: 'http://127.0.0.1:4',
        gatewayApiResource: 'urn:baocao:gateway-api',
      },
      credentials: {
        provincialClient: { clientId: 'g', clientSecret: 's' },
        consoleClient: {
          clientId: 'c',
          clientSecret: 's',
          redirectUris: ['http://127.0.0.1:3000/auth/callback'],
        },
        people: [
          { username: 'vanthu@quangngai.gov.vn', password: 'p', name: 'V', role: 'operator' },
          { username: 'thanhtra@quangngai.gov.vn', password: 'p', name: 'T', role: 'auditor' },
          {
            username: 'vp.bs@quangngai.gov.vn',
            password: 'p',
            name: 'B',
            role: 'operator',
            district: 'QNG-H-BINHSON',
          },
        ],
        signingAuthority: {
          certificatePem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
        },
      },
      mailbox: { url: 'smtp://127.0.0.1:4025' },
    } as unknown as RunningSimulators & { mailbox: DemoMailbox });
    expect(config.notifications).toMatchObject({
      enabled: true,
      smtpUrl: 'smtp://127.0.0.1:4025',
      operators: ['vanthu@quangngai.gov.vn'],
      contacts: { 'QNG-H-BINHSON': ['vp.bs@quangngai.gov.vn'] },
    });
  });
});
