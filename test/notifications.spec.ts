import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service';
import { NotificationsService } from '../src/operations/notifications.service';
import { type RunningSimulators } from '../src/simulators/simulators';
import { TransfersService } from '../src/transfers/transfers.service';
import { RemoteSystemError } from '../src/common/remote-system-error';
import { TRANSFER_ENGINE } from '../src/transfers/transfers.module';
import type { TransferEngine } from '../src/transfers/transfer-engine';
import { type TestGateway } from './support/gateway';
import { startSimulatedGateway } from './support/simulated-gateway';

interface Mail {
  to: string[];
  raw: string;
}

/**
 * Messages to people through a real SMTP server (smtp-server, on loopback) and a webhook
 * receiver that checks the signature and refuses the first delivery: what a cause says, to whom,
 * once per cause, retried, audited.
 */
describe('notifications', () => {
  let sims: RunningSimulators;
  let gateway: TestGateway;
  let smtp: SMTPServer;
  let hook: http.Server;
  const mails: Mail[] = [];
  const deliveries: Array<{ body: string; signature: string; answered: number }> = [];
  const SECRET = 'webhook-secret-of-the-test';

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    hook = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        // The first delivery fails: the gateway must try again.
        const answered = deliveries.length === 0 ? 503 : 200;
        deliveries.push({
          body,
          signature: String(request.headers['x-baocao-signature']),
          answered,
        });
        response.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    ({ sims, gateway } = await startSimulatedGateway({
      NOTIFICATIONS_ENABLED: 'true',
      NOTIFICATIONS_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      NOTIFICATIONS_OPERATORS: 'vanthu@quangngai.gov.vn, truongphong@quangngai.gov.vn',
      NOTIFICATIONS_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
      NOTIFICATIONS_WEBHOOK_SECRET: SECRET,
      NOTIFICATIONS_INTERVAL_SECONDS: '3600',
      // The digests go at the first look of the day.
      NOTIFICATIONS_DIGEST_HOUR: '0',
      CONFIG_FILE: contactsFile(),
      OUTBOUND_CIRCUIT_FAILURES: '2',
      OUTBOUND_CIRCUIT_COOLDOWN_MS: '500',
    }));
  });
  afterAll(async () => {
    await gateway?.close();
    await sims?.stop();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
    await new Promise((resolve) => hook?.close(resolve));
  });

  it('an invalid transfer: one mail to the operators with its problems, one signed webhook (retried), audited; not again', async () => {
    const transfers = gateway.app.get(TransfersService);
    await transfers.startSync(
      { periodId: '2026-Q4', units: ['QNG-X-001'], forms: ['II.06a/VPCP/KSTT'] },
      'test',
    );
    const notifications = gateway.app.get(NotificationsService);
    expect(await notifications.lookNow()).toBeGreaterThanOrEqual(1);
    const texts = await Promise.all(mails.map(read));
    const index = texts.findIndex((text) => text.includes('QNG-X-001'));
    expect(index).toBeGreaterThanOrEqual(0);
    const invalid = mails[index];
    // The operators, and the unit's own contact.
    expect(invalid.to.sort()).toEqual([
      'truongphong@quangngai.gov.vn',
      'uyban.x001@quangngai.gov.vn',
      'vanthu@quangngai.gov.vn',
    ]);
    // The daily digests of the board's groups, once.
    expect(texts.some((text) => text.startsWith('[Tổng hợp ngày'))).toBe(true);
    const decoded = texts[index];
    expect(decoded).toContain('[Không hợp lệ] II.06a/VPCP/KSTT của QNG-X-001, kỳ 2026-Q4');
    expect(decoded).toContain('cột 3 phải bằng cột 4 + cột 5 + cột 6');

    const signed = deliveries.filter((delivery) => delivery.body.includes('transfer-invalid'));
    expect(signed.map((delivery) => delivery.answered)).toEqual([503, 200]);
    for (const delivery of signed)
      expect(delivery.signature).toBe(
        `sha256=${createHmac('sha256', SECRET).update(delivery.body).digest('hex')}`,
      );
    expect(JSON.parse(signed[1].body)).toMatchObject({
      cause: expect.stringMatching(/^transfer-invalid:/),
      subject: expect.stringContaining('Không hợp lệ'),
    });

    const before = mails.length;
    expect(await notifications.lookNow()).toBe(0);
    expect(mails.length).toBe(before);
    await gateway.app.get(AuditService).flush();
    const events = await gateway.app
      .get(DataSource)
      .query<Array<{ outcome: string; details: string }>>(
        `SELECT outcome, details FROM audit_event WHERE action = 'notification.sent'`,
      );
    const invalidEvent = events.find((event) => event.details.includes('transfer-invalid'));
    expect(invalidEvent?.outcome).toBe('ok');
    expect(JSON.parse(invalidEvent!.details)).toMatchObject({
      channels: { mail: 'sent', webhook: 'sent' },
      recipients: [
        'vanthu@quangngai.gov.vn',
        'truongphong@quangngai.gov.vn',
        'uyban.x001@quangngai.gov.vn',
      ],
    });
  });

  it('a circuit opening and closing again: one message each', async () => {
    const notifications = gateway.app.get(NotificationsService);
    await notifications.lookNow();
    const gate = gateway.app.get<() => TransferEngine>(TRANSFER_ENGINE)().national.gate;
    const circuitMails = async () =>
      (await Promise.all(mails.map(read))).filter((text) => /Ngắt mạch|Đã nối lại/.test(text));
    // Closed from the start is not news.
    expect(await circuitMails()).toHaveLength(0);
    for (let index = 0; index < 2; index++)
      await gate
        .run(() => Promise.reject(new RemoteSystemError('national', 503, true, 'down')))
        .catch(() => undefined);
    expect(gate.circuit.state).toBe('open');
    expect(await notifications.lookNow()).toBe(1);
    expect(await notifications.lookNow()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 600));
    await gate.run(() => Promise.resolve('ok'));
    expect(gate.circuit.state).toBe('closed');
    expect(await notifications.lookNow()).toBe(1);
    const circuit = await circuitMails();
    expect(circuit).toHaveLength(2);
    expect(circuit[0]).toContain('[Ngắt mạch] Cổng tạm ngừng gọi Hệ thống báo cáo Chính phủ');
    expect(circuit[1]).toContain('[Đã nối lại] Hệ thống báo cáo Chính phủ trả lời bình thường');
  });
});

/** A configuration file with a unit's own contact (notifications.contacts is YAML only). */
function contactsFile(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'baocao-contacts-')), 'config.yaml');
  writeFileSync(
    file,
    'notifications:\n  contacts:\n    QNG-X-001: [uyban.x001@quangngai.gov.vn]\n',
  );
  return file;
}

/** A mail as a person reads it: its subject and text, decoded. */
async function read(mail: Mail): Promise<string> {
  const parsed = await simpleParser(mail.raw);
  return `${parsed.subject ?? ''}\n${parsed.text ?? ''}`;
}
