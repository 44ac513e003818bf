import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { listenOn } from './http-helpers';

/**
 * Demo mode's local mailbox: an SMTP server on loopback that keeps every message it is given as
 * an .eml file (`.data/mailbox/`), so that the gateway's notifications can be read without a
 * mail system: `ls -t .data/mailbox | head`, then open one.
 */
export class DemoMailbox {
  private count = 0;

  private constructor(
    private readonly server: SMTPServer,
    readonly dir: string,
  ) {}

  static async start(dir: string, port: number): Promise<DemoMailbox> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const kept: { mailbox?: DemoMailbox } = {};
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      banner: 'baocao-gateway demo mailbox',
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          kept.mailbox?.keep(Buffer.concat(chunks));
          callback();
        });
      },
    });
    await listenOn(server.server, port, 'mailbox');
    kept.mailbox = new DemoMailbox(server, dir);
    return kept.mailbox;
  }

  get url(): string {
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  private keep(message: Buffer): void {
    this.count += 1;
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(this.count).padStart(4, '0')}.eml`;
    writeFileSync(path.join(this.dir, name), message, { mode: 0o600 });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
