import type { CheckpointRow, EventRow, VerifyResult } from '../../audit/audit-verifier';
import { AUDIT_FILTER_NAMES, type AuditFilterText } from '../../audit/audit-query';
import { formatInstant, formatNumber } from '../../common/format';
import { html, type Html } from '../html';
import { auditTable } from './transfer-pages';

const LABELS: Record<(typeof AUDIT_FILTER_NAMES)[number], string> = {
  since: 'Từ thời điểm',
  until: 'Đến trước thời điểm',
  unit: 'Mã đơn vị',
  period: 'Kỳ báo cáo',
  form: 'Biểu',
  actor: 'Người / tiến trình',
  action: 'Việc',
  outcome: 'Kết quả',
  transfer: 'Mã lượt chuyển',
};

function query(filters: AuditFilterText, extra: Record<string, string> = {}): string {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra }))
    if (value) parameters.set(key, value);
  return parameters.toString();
}

function verification(result: VerifyResult | undefined, filters: AuditFilterText): Html {
  if (!result)
    return html`<p>
        Kiểm tra tính lại chuỗi mã băm từ đầu (hoặc từ điểm kiểm tra đã ký gần nhất) và đối chiếu
        chữ ký của các điểm kiểm tra.
      </p>
      <p>
        <a class="button" href="/audit?${query(filters, { verify: 'checkpoint' })}#verify"
          >Kiểm tra từ điểm kiểm tra gần nhất</a
        >
        <a class="button secondary" href="/audit?${query(filters, { verify: 'all' })}#verify"
          >Kiểm tra toàn bộ</a
        >
      </p>`;
  if (result.ok)
    return html`<div class="notice" role="status" id="verify">
      <p>
        <strong>Toàn vẹn.</strong> Đã kiểm tra ${formatNumber(result.events)} sự kiện từ số
        ${result.from}${result.head ? `, đến số ${result.head.seq}` : ''};
        ${formatNumber(result.checkpointsChecked)} điểm kiểm tra có chữ ký hợp lệ.
      </p>
    </div>`;
  return html`<div class="error-summary" role="alert" id="verify">
    <h2>Nhật ký không toàn vẹn</h2>
    <p>
      Sự kiện hỏng đầu tiên: <strong>số ${result.seq}</strong>. ${result.reason}
      <code class="code">${result.code}</code>
    </p>
    <p>Đã kiểm tra ${formatNumber(result.events)} sự kiện trước khi gặp lỗi.</p>
  </div>`;
}

export function auditPage(options: {
  filters: AuditFilterText;
  events: EventRow[];
  nextAfter: string | null;
  paged: boolean;
  verify: VerifyResult | undefined;
  checkpoints: CheckpointRow[];
}): Html {
  const { filters } = options;
  const keys = [...new Set(options.checkpoints.map((checkpoint) => checkpoint.key_id))];
  const publicKeys = keys.map((key) =>
    options.checkpoints.findLast((checkpoint) => checkpoint.key_id === key)!,
  );
  return html`<h2>Kiểm tra toàn vẹn</h2>
    ${verification(options.verify, filters)}
    <h2>Sự kiện</h2>
    <form method="get" action="/audit" class="filters" aria-label="Lọc nhật ký">
      ${AUDIT_FILTER_NAMES.map(
        (name) =>
          html`<div>
            <label for="a-${name}">${LABELS[name]}</label
            ><input
              id="a-${name}"
              name="${name}"
              value="${filters[name] ?? ''}"
              size="${name === 'transfer' ? 36 : name === 'since' || name === 'until' ? 22 : 14}"
              ${name === 'since' || name === 'until' ? html` placeholder="2026-03-17T00:00:00+07:00"` : ''}
            />
          </div>`,
      )}
      <div>
        <button type="submit">Lọc</button> <a href="/audit" class="button secondary">Bỏ lọc</a>
      </div>
    </form>
    <p>
      Tải về theo bộ lọc này (kèm điểm kiểm tra đã ký để đối chiếu ngoại tuyến):
      <a href="/audit/export?${query(filters, { format: 'csv' })}" download>CSV</a> ·
      <a href="/audit/export?${query(filters, { format: 'jsonl' })}" download>JSON Lines</a>
    </p>
    ${auditTable(options.events)}
    <div class="pager">
      ${options.paged ? html`<a href="/audit?${query(filters)}">← Về trang đầu</a>` : ''}
      ${options.nextAfter ? html`<a href="/audit?${query(filters, { after: options.nextAfter })}" rel="next">Trang sau →</a>` : ''}
    </div>
    <h2>Điểm kiểm tra đã ký</h2>
    ${
      options.checkpoints.length
        ? html`<table>
              <thead>
                <tr>
                  <th scope="col" class="num">Đến sự kiện</th>
                  <th scope="col">Mã băm</th>
                  <th scope="col">Ký lúc</th>
                  <th scope="col">Khóa</th>
                </tr>
              </thead>
              <tbody>
                ${options.checkpoints
                  .slice(-50)
                  .reverse()
                  .map(
                    (checkpoint) =>
                      html`<tr>
                        <td class="num">${checkpoint.seq}</td>
                        <td><code>${checkpoint.hash}</code></td>
                        <td>${formatInstant(checkpoint.signed_at)}</td>
                        <td><code>${checkpoint.key_id}</code></td>
                      </tr>`,
                  )}
              </tbody>
            </table>
            <p class="muted">
              ${formatNumber(options.checkpoints.length)} điểm kiểm tra; bảng hiện 50 điểm gần nhất.
            </p>`
        : html`<p class="empty">Chưa có điểm kiểm tra nào.</p>`
    }
    <h2>Khóa công khai</h2>
    <p>Thanh tra giữ các khóa này ngoài hệ thống để tự kiểm tra chữ ký của điểm kiểm tra.</p>
    ${publicKeys.map(
      (checkpoint) =>
        html`<h3>Khóa <code>${checkpoint.key_id}</code></h3>
          <pre>${checkpoint.public_key}</pre>`,
    )}`;
}
