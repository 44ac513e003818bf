import { createHmac } from 'node:crypto';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CallGate } from '../common/call-gate';
import { LifecycleService } from '../common/lifecycle.service';
import { Outbound } from '../common/outbound';
import { type AppConfig, InjectConfig } from '../config/app-config';
import type { FieldError } from '../contracts/national-wire';
import { BoardQuery, defaultBoardPeriod } from '../transfers/board-query';
import { VaultService } from '../vault/vault.service';

/** One message to people: what caused it, the cause's state now, and the words. */
export interface Notice {
  /** Stable: one message per cause until `state` changes. */
  cause: string;
  state: string;
  subject: string;
  text: string;
  /** Besides notifications.operators: the unit's and its district's contacts. */
  recipients?: string[];
}

const WEBHOOK_TRIES = 4;
const SYSTEM_NAMES: Record<string, string> = {
  provincial: 'hệ thống báo cáo tỉnh',
  national: 'Hệ thống báo cáo Chính phủ',
};

/**
 * Messages to people, in Vietnamese, by mail (nodemailer over SMTP) and by a signed webhook
 * (HMAC-SHA256 of the body, retried with backoff): a transfer invalid (with its problems) or
 * failed, a circuit opened and closed again, a credential failing or a certificate expiring, a
 * deadline at risk. Causes are looked for every `notifications.intervalSeconds`; one message per
 * cause until its state changes (notification_state: the replica whose write changes the row
 * sends), at most `maxPerMinute`, each one recorded in the audit trail.
 */
@Injectable()
export class NotificationsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Notifications');
  private timer?: NodeJS.Timeout;
  private mail?: Transporter;
  private looking?: Promise<number>;
  private readonly outbound: Outbound;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly vault: VaultService,
    private readonly board: BoardQuery,
    private readonly lifecycle: LifecycleService,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.outbound = Outbound.fromConfig(config);
  }

  onApplicationBootstrap(): void {
    const { enabled, smtpUrl, intervalSeconds } = this.config.notifications;
    if (!enabled) return;
    if (smtpUrl) this.mail = createTransport(smtpUrl);
    this.timer = setInterval(() => void this.lookNow(), intervalSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.looking?.catch(() => undefined);
    this.mail?.close();
    await this.outbound.close();
  }

  /** Looks for causes now and sends what is new; the number of messages sent. */
  lookNow(): Promise<number> {
    if (!this.config.notifications.enabled || this.lifecycle.stopping) return Promise.resolve(0);
    this.looking ??= this.look()
      .catch((error: unknown) => {
        this.logger.warn({ err: error }, 'notifications could not be looked for');
        return 0;
      })
      .finally(() => (this.looking = undefined));
    return this.looking;
  }

  private async look(): Promise<number> {
    let sent = 0;
    for (const notice of await this.notices()) {
      if (sent >= this.config.notifications.maxPerMinute) break;
      if (!(await this.claim(notice))) continue;
      await this.send(notice);
      sent += 1;
    }
    return sent;
  }

  /** Every cause standing now, with its state. */
  private async notices(): Promise<Notice[]> {
    const notices: Notice[] = [];
    const transfers = await this.dataSource.query<
      Array<{
        id: string;
        version: number;
        state: string;
        unit_code: string;
        form_code: string;
        period_id: string;
        problems: FieldError[];
        last_error: { message?: string } | null;
        attempts: number;
        parent_code: string | null;
      }>
    >(
      `SELECT t.id, t.version, t.state, t.unit_code, t.form_code, t.period_id, t.problems,
              t.last_error, t.attempts, u.parent_code
         FROM transfer t LEFT JOIN provincial_unit u ON u.office_code = t.unit_code
        WHERE t.state IN ('invalid', 'failed') AND t.updated_at > now() - interval '14 days'
        ORDER BY t.updated_at LIMIT 500`,
    );
    for (const transfer of transfers) {
      const what = `${transfer.form_code} của ${transfer.unit_code}, kỳ ${transfer.period_id}`;
      if (transfer.state === 'invalid')
        notices.push({
          cause: `transfer-invalid:${transfer.id}`,
          state: `v${transfer.version}`,
          subject: `[Không hợp lệ] ${what}`,
          recipients: this.contactsOf(transfer.unit_code, transfer.parent_code),
          text:
            `Báo cáo ${what} không hợp lệ nên chưa được gửi lên Hệ thống báo cáo Chính phủ.\n` +
            `Cần sửa trên hệ thống báo cáo của tỉnh rồi duyệt lại; cổng sẽ tự chuyển bản đã sửa.\n\n` +
            transfer.problems
              .map(
                (problem, index) =>
                  `${index + 1}. ${problem.message} (trường ${problem.field}, quy tắc ${problem.rule}, cần ${JSON.stringify(problem.expected)}, thực tế ${JSON.stringify(problem.actual)})`,
              )
              .join('\n') +
            `\n\nLượt chuyển: ${transfer.id}`,
        });
      else
        notices.push({
          cause: `transfer-failed:${transfer.id}`,
          state: `v${transfer.version}`,
          subject: `[Gửi thất bại] ${what}`,
          recipients: this.contactsOf(transfer.unit_code, transfer.parent_code),
          text:
            `Cổng đã thử gửi ${what} ${transfer.attempts} lần mà không được: ${transfer.last_error?.message ?? 'không rõ lỗi'}.\n` +
            `Xem lỗi và chạy lại ở bảng điều khiển (Lượt chuyển, trạng thái Gửi thất bại).\n\nLượt chuyển: ${transfer.id}`,
        });
    }
    const circuits = new Map<string, string>();
    for (const gate of CallGate.all)
      if (gate.circuit.state === 'open' || !circuits.has(gate.system))
        circuits.set(gate.system, gate.circuit.state === 'open' ? 'open' : 'closed');
    for (const [system, state] of circuits)
      notices.push({
        cause: `circuit:${system}`,
        state,
        subject:
          state === 'open'
            ? `[Ngắt mạch] Cổng tạm ngừng gọi ${SYSTEM_NAMES[system] ?? system}`
            : `[Đã nối lại] ${SYSTEM_NAMES[system] ?? system} trả lời bình thường`,
        text:
          state === 'open'
            ? `${SYSTEM_NAMES[system] ?? system} lỗi liên tiếp; cổng tạm ngừng gọi và sẽ thử lại sau thời gian nghỉ. Các lượt chuyển sẽ được gửi khi hệ thống trả lời lại.`
            : `${SYSTEM_NAMES[system] ?? system} đã trả lời lại; cổng tiếp tục gửi.`,
      });
    for (const credential of await this.vault.vault.list({ status: 'active' })) {
      if (credential.lastCheck && credential.lastCheck !== 'ok')
        notices.push({
          cause: `credential:${credential.id}`,
          state: credential.lastCheck,
          subject: `[Tài khoản] ${credential.account} (${credential.unitCode ?? '—'}) đăng nhập không được`,
          text: `Lần kiểm tra hoặc lần dùng gần nhất của tài khoản ${credential.account} bị từ chối: ${credential.lastCheck}.\nXem mục Quản trị của bảng điều khiển.`,
        });
      const notAfter = credential.details.notAfter;
      if (credential.kind === 'signing-key' && typeof notAfter === 'string') {
        const days = Math.floor((Date.parse(notAfter) - Date.now()) / 86_400_000);
        if (days <= 30)
          notices.push({
            cause: `certificate:${credential.id}`,
            state: notAfter,
            subject: `[Chứng thư ký số] ${credential.unitCode ?? credential.account} hết hạn sau ${days} ngày`,
            text: `Chứng thư ký số của ${credential.unitCode ?? credential.account} hết hạn ngày ${notAfter.slice(0, 10)}. Thay khóa ký số ở mục Quản trị trước khi hết hạn, nếu không các biểu phải ký sẽ không gửi được.`,
          });
      }
    }
    const { result: chain } = await this.audit.verifyRecent(
      this.config.metrics.auditVerifySeconds * 1000,
    );
    notices.push({
      cause: 'audit-chain',
      state: chain.ok ? 'valid' : `broken at ${chain.seq}`,
      subject: chain.ok
        ? '[Nhật ký] Chuỗi nhật ký truyền dữ liệu toàn vẹn trở lại'
        : `[Nhật ký] Nhật ký truyền dữ liệu không toàn vẹn từ sự kiện ${chain.seq}`,
      text: chain.ok
        ? 'Kiểm tra chuỗi từ điểm kiểm tra gần nhất đã đạt.'
        : `Kiểm tra chuỗi từ điểm kiểm tra gần nhất không đạt: ${chain.reason} (${chain.code}). Chạy npm run cli -- audit verify để xem toàn bộ.`,
    });
    const period = defaultBoardPeriod(new Date());
    const board = await this.board.board(period.id);
    const { totals } = board;
    // The daily digest of each district (and of the departments and the communes under the
    // province), once a day, from notifications.digestHour (Vietnam time).
    const vietnam = new Date(Date.now() + 7 * 3_600_000);
    if (vietnam.getUTCHours() >= this.config.notifications.digestHour)
      for (const group of board.groups)
        notices.push({
          cause: `digest:${group.key}`,
          state: vietnam.toISOString().slice(0, 10),
          subject: `[Tổng hợp ngày ${vietnam.toISOString().slice(0, 10)}] ${group.name}, kỳ ${period.id}`,
          text: [
            `${group.name}, kỳ ${period.id}: ${group.counts.total} biểu phải gửi.`,
            `Đã xác nhận đúng hạn: ${group.counts['on-time']}; xác nhận trễ: ${group.counts.late}.`,
            `Đang xử lý: ${group.counts['in-progress']}; sắp trễ hạn: ${group.counts.atRisk}; đã trễ hạn: ${group.counts.overdue}.`,
            `Chưa duyệt ở tỉnh: ${group.counts['not-approved']}; chưa có báo cáo: ${group.counts['no-report']}; bỏ qua: ${group.counts.skipped}.`,
            `Không hợp lệ: ${group.counts.invalid}; gửi thất bại: ${group.counts.failed}.`,
            group.summary ? `Biểu tổng hợp: còn chờ ${group.summary.waitingFor} đơn vị con.` : '',
          ]
            .filter(Boolean)
            .join('\n'),
          recipients: this.contactsOf(group.key),
        });
    if (totals.atRisk + totals.overdue > 0)
      notices.push({
        cause: `deadline:${period.id}`,
        state: new Date().toISOString().slice(0, 10),
        subject: `[Hạn gửi] Kỳ ${period.id}: ${totals.atRisk} biểu sắp trễ hạn, ${totals.overdue} biểu đã trễ hạn`,
        text: `Các biểu chưa được xác nhận trên Hệ thống báo cáo Chính phủ khi hạn gửi đã gần hoặc đã qua. Xem Bảng theo kỳ của bảng điều khiển để biết từng đơn vị.`,
      });
    return notices;
  }

  /** The contacts configured for a unit or a district (notifications.contacts). */
  private contactsOf(...codes: Array<string | null | undefined>): string[] {
    const contacts = this.config.notifications.contacts;
    return [...new Set(codes.flatMap((code) => (code ? (contacts[code] ?? []) : [])))];
  }

  /**
   * Takes a cause for sending: true when this replica's write changed its state. The first look
   * at a circuit that is closed, or a chain that verifies, is not news.
   */
  private async claim(notice: Notice): Promise<boolean> {
    const good =
      (notice.cause.startsWith('circuit:') && notice.state === 'closed') ||
      (notice.cause === 'audit-chain' && notice.state === 'valid');
    if (good) {
      const [changed] = await this.dataSource.query<[Array<{ cause: string }>, number]>(
        `UPDATE notification_state SET state = $2, sent_at = now()
          WHERE cause = $1 AND state <> $2 RETURNING cause`,
        [notice.cause, notice.state],
      );
      return changed.length > 0;
    }
    const rows = await this.dataSource.query<Array<{ cause: string }>>(
      `INSERT INTO notification_state (cause, state, sent_at) VALUES ($1, $2, now())
       ON CONFLICT (cause) DO UPDATE SET state = excluded.state, sent_at = now()
         WHERE notification_state.state <> excluded.state
       RETURNING cause`,
      [notice.cause, notice.state],
    );
    return rows.length > 0;
  }

  private async send(notice: Notice): Promise<void> {
    const { operators, from, webhookUrl } = this.config.notifications;
    const recipients = [...new Set([...operators, ...(notice.recipients ?? [])])];
    const channels: Record<string, string> = {};
    if (this.mail && recipients.length) {
      try {
        await this.mail.sendMail({
          from,
          to: recipients,
          subject: notice.subject,
          text: notice.text,
        });
        channels.mail = 'sent';
      } catch (error) {
        channels.mail = `failed: ${(error as Error).message}`;
      }
    }
    if (webhookUrl) channels.webhook = await this.post(webhookUrl, notice);
    await this.audit.record({
      actor: 'notifications',
      action: 'notification.sent',
      outcome: Object.values(channels).every((outcome) => outcome === 'sent') ? 'ok' : 'failed',
      details: {
        cause: notice.cause,
        state: notice.state,
        subject: notice.subject,
        recipients,
        channels,
      },
    });
  }

  /**
   * The webhook: the JSON body signed (X-Baocao-Signature: sha256=<hex>), retried with backoff,
   * through the same CA bundle and proxy as the remote systems, and like them https only (plain
   * http to loopback where security.allowPlainHttpLoopback allows it).
   */
  private async post(url: string, notice: Notice): Promise<string> {
    const target = new URL(url);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname);
    if (
      target.protocol !== 'https:' &&
      !(target.protocol === 'http:' && loopback && this.config.security.allowPlainHttpLoopback)
    )
      return 'refused: notifications.webhookUrl phải là https';
    const body = JSON.stringify({ ...notice, sentAt: new Date().toISOString() });
    const secret = this.config.notifications.webhookSecret ?? '';
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    let last = '';
    for (let attempt = 1; attempt <= WEBHOOK_TRIES; attempt++) {
      try {
        const response = await this.outbound.fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-baocao-signature': signature },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        if (response.ok) return 'sent';
        last = `HTTP ${response.status}`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (attempt < WEBHOOK_TRIES)
        await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (attempt - 1)));
    }
    return `failed: ${last}`;
  }
}
