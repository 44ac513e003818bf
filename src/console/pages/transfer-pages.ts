import type { FormDefinition } from '../../catalog/forms';
import type { FieldError, SubmissionPacket } from '../../contracts/national-wire';
import type { EventRow } from '../../audit/audit-verifier';
import type { TransferRow } from '../../transfers/transfer-query';
import type { TransferEntity } from '../../database/entities/transfer.entity';
import type { TransferAttemptEntity } from '../../database/entities/transfer-attempt.entity';
import type { TransferVersionEntity } from '../../database/entities/transfer-version.entity';
import type { DiscrepancyEntity } from '../../database/entities/discrepancy.entity';
import { scrub } from '../../logging/redact';
import { formatInstant, formatNumber, formShortName, periodName } from '../../common/format';
import { draftQuery } from '../../workbooks/send-workbook';
import { html, type Html } from '../html';
import { DISCREPANCY_WORDS, LEVEL_WORDS, STATE_ORDER, STATE_WORDS, STEP_WORDS } from '../words';
import { bieuTable } from './bieu';

export type ListFilters = Partial<Record<'status' | 'period' | 'unit' | 'form' | 'level', string>>;

export function stateTag(state: string): Html {
  return html`<span
    class="tag tag-${state === 'confirmed' ? 'confirmed' : ['invalid', 'failed'].includes(state) ? 'error' : 'warning'}"
    >${STATE_WORDS[state as keyof typeof STATE_WORDS] ?? state}</span
  >`;
}

function query(filters: ListFilters, extra: Record<string, string> = {}): string {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra }))
    if (value) parameters.set(key, value);
  return parameters.toString();
}

function filterForm(filters: ListFilters, forms: FormDefinition[]): Html {
  const select = (name: keyof ListFilters, label: string, options: Array<[string, string]>) =>
    html`<div>
      <label for="f-${name}">${label}</label
      ><select id="f-${name}" name="${name}">
        <option value="">Tất cả</option>
        ${options.map(([value, text]) => html`<option value="${value}" ${filters[name] === value ? html` selected` : ''}>${text}</option>`)}
      </select>
    </div>`;
  const codes = [...new Set(forms.map((form) => form.code))].sort();
  return html`<form method="get" action="/transfers" class="filters" aria-label="Lọc lượt chuyển">
    ${select(
      'status',
      'Trạng thái',
      STATE_ORDER.map((state) => [state, STATE_WORDS[state]]),
    )}
    <div>
      <label for="f-period">Kỳ báo cáo</label
      ><input
        id="f-period"
        name="period"
        value="${filters.period ?? ''}"
        placeholder="2025-Q1"
        size="9"
      />
    </div>
    <div>
      <label for="f-unit">Mã đơn vị</label
      ><input id="f-unit" name="unit" value="${filters.unit ?? ''}" size="18" />
    </div>
    ${select(
      'form',
      'Biểu',
      codes.map((code) => [code, formShortName(code)]),
    )}
    ${select(
      'level',
      'Cấp',
      Object.entries(LEVEL_WORDS).filter(([level]) => level !== 'province'),
    )}
    <div>
      <button type="submit">Lọc</button> <a href="/transfers" class="button secondary">Bỏ lọc</a>
    </div>
  </form>`;
}

export function transferListPage(options: {
  filters: ListFilters;
  forms: FormDefinition[];
  items: TransferRow[];
  names: Map<string, string>;
  nextAfter: string | null;
  paged: boolean;
  canAct: boolean;
  csrfToken: string;
}): Html {
  const { filters, items, names } = options;
  return html`${filterForm(filters, options.forms)}
    <table>
      <caption>
        Lượt chuyển${Object.values(filters).some(Boolean) ? ' theo bộ lọc' : ''} (theo kỳ, đơn vị,
        biểu)
      </caption>
      <thead>
        <tr>
          <th scope="col">Kỳ</th>
          <th scope="col">Đơn vị</th>
          <th scope="col">Biểu</th>
          <th scope="col">Trạng thái</th>
          <th scope="col" class="num">Phiên bản</th>
          <th scope="col">Bước</th>
          <th scope="col" class="num">Lần thử</th>
          <th scope="col">Cập nhật</th>
          <th scope="col">Lỗi gần nhất</th>
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (item) =>
            html`<tr>
              <td>${periodName(item.periodId)}</td>
              <td>
                ${names.get(item.unitCode) ?? item.unitCode}
                <span class="muted">${item.unitCode}</span>
              </td>
              <td><a href="/transfers/${item.id}">${formShortName(item.formCode)}</a></td>
              <td>
                ${stateTag(item.state)}${item.problems.length ? html` <span class="muted">${item.problems.length} lỗi</span>` : ''}
              </td>
              <td class="num">${item.version}</td>
              <td>${item.step ? (STEP_WORDS[item.step] ?? item.step) : '—'}</td>
              <td class="num">${item.attempts}</td>
              <td>${formatInstant(item.updatedAt)}</td>
              <td>${typeof item.lastError?.message === 'string' ? item.lastError.message : ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${items.length ? '' : html`<p class="empty">Không có lượt chuyển nào khớp bộ lọc.</p>`}
    <div class="pager">
      ${options.paged ? html`<a href="/transfers?${query(filters)}">← Về trang đầu</a>` : ''}
      ${options.nextAfter ? html`<a href="/transfers?${query(filters, { after: options.nextAfter })}" rel="next">Trang sau →</a>` : ''}
    </div>
    ${
      options.canAct && items.length
        ? html`<h2>Chạy lại theo bộ lọc</h2>
            <form method="post" action="/transfers/rerun?${query(filters)}">
              <input type="hidden" name="_csrf" value="${options.csrfToken}" />
              <div class="field">
                <label for="batch-reason">Lý do chạy lại</label>
                <p class="hint">
                  Ghi vào nhật ký cùng tên bạn. Trang sau liệt kê các lượt chuyển sẽ được chạy lại
                  để bạn xác nhận.
                </p>
                <textarea id="batch-reason" name="reason" required minlength="3"></textarea>
              </div>
              <button type="submit">Xem trước và chạy lại</button>
            </form>`
        : ''
    }`;
}

function problemsTable(problems: FieldError[]): Html {
  return html`<table>
    <caption>
      Lỗi dữ liệu: cần sửa trên hệ thống báo cáo của tỉnh rồi chạy lại
    </caption>
    <thead>
      <tr>
        <th scope="col">Mức</th>
        <th scope="col">Trường</th>
        <th scope="col">Quy tắc</th>
        <th scope="col">Cần</th>
        <th scope="col">Thực tế</th>
        <th scope="col">Diễn giải</th>
      </tr>
    </thead>
    <tbody>
      ${problems.map(
        (problem) =>
          html`<tr>
            <td>
              <span class="tag tag-${problem.severity}"
                >${problem.severity === 'error' ? 'Lỗi' : 'Cảnh báo'}</span
              >
            </td>
            <td><code>${problem.field}</code></td>
            <td><code>${problem.rule}</code> <span class="muted">${problem.code}</span></td>
            <td>${JSON.stringify(problem.expected)}</td>
            <td>${JSON.stringify(problem.actual)}</td>
            <td>${problem.message}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function pretty(value: unknown): string {
  return JSON.stringify(scrub(value), null, 2) ?? 'null';
}

function attemptsTimeline(attempts: TransferAttemptEntity[]): Html {
  if (!attempts.length) return html`<p class="empty">Chưa có lần gửi nào.</p>`;
  return html`<ol class="timeline">
    ${attempts.map(
      (attempt) =>
        html`<li>
          <p>
            <strong>${STEP_WORDS[attempt.step] ?? attempt.step}</strong> · phiên bản
            ${attempt.version} ·
            <span class="tag tag-${attempt.outcome === 'ok' ? 'ok' : 'error'}"
              >${attempt.outcome}</span
            >
            ${attempt.httpStatus ? html` · HTTP ${attempt.httpStatus}` : ''} ·
            ${formatInstant(attempt.startedAt)}
            (${formatNumber(attempt.finishedAt.getTime() - attempt.startedAt.getTime())}
            ms)${attempt.account ? html` · tài khoản <code>${attempt.account}</code>` : ''}
          </p>
          ${attempt.error ? html`<p>${attempt.error}</p>` : ''}
          <details>
            <summary>Yêu cầu gửi đi</summary>
            <p class="muted">SHA-256 ${attempt.requestSha256 ?? '—'}</p>
            <pre>${pretty(attempt.request)}</pre>
          </details>
          <details>
            <summary>Trả lời nhận về</summary>
            <p class="muted">SHA-256 ${attempt.responseSha256 ?? '—'}</p>
            <pre>${pretty(attempt.response)}</pre>
          </details>
        </li>`,
    )}
  </ol>`;
}

export interface NationalCopy {
  submissionId: string;
  status: string;
  updatedAt: string;
  sameContent: boolean;
  held: SubmissionPacket | null;
  differences: Array<{ path: string; sent: unknown; held: unknown }>;
}

export function differencesTable(
  differences: Array<{ path: string; sent: unknown; held: unknown }>,
): Html {
  if (!differences.length) return html`<p>Không có trường nào khác nhau.</p>`;
  return html`<table>
    <caption>
      Các trường khác nhau
    </caption>
    <thead>
      <tr>
        <th scope="col">Trường</th>
        <th scope="col">Cổng đã gửi</th>
        <th scope="col">Hệ thống quốc gia đang giữ</th>
      </tr>
    </thead>
    <tbody>
      ${differences.map(
        (difference) =>
          html`<tr class="diff">
            <td><code>${difference.path}</code></td>
            <td>${JSON.stringify(difference.sent)}</td>
            <td>${JSON.stringify(difference.held)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function transferPage(options: {
  transfer: TransferEntity;
  unitName: string | undefined;
  form: FormDefinition | undefined;
  versions: TransferVersionEntity[];
  attempts: TransferAttemptEntity[];
  discrepancies: DiscrepancyEntity[];
  events: EventRow[];
  national: NationalCopy | { error: string; code?: string } | undefined | 'not-asked';
  canAct: boolean;
  /** Operators and auditors take the biểu as a workbook. */
  canDownload: boolean;
  csrfToken: string;
}): Html {
  const { transfer, form } = options;
  const lastError = transfer.lastError as { message?: string; code?: string } | null;
  const packet = transfer.payload as unknown as SubmissionPacket | null;
  const openDiscrepancies = options.discrepancies.filter((item) => item.status === 'open');
  return html`<dl class="facts">
      <dt>Đơn vị</dt>
      <dd>
        ${options.unitName ?? ''}
        <code>${transfer.unitCode}</code> (${LEVEL_WORDS[transfer.level] ?? transfer.level})
      </dd>
      <dt>Kỳ báo cáo</dt>
      <dd>${periodName(transfer.periodId, true)}</dd>
      <dt>Biểu</dt>
      <dd>
        ${transfer.formCode}${form ? `: ${form.title}` : ''}${transfer.provisional ? html` <span class="tag tag-warning">Định nghĩa tạm</span>` : ''}
      </dd>
      ${
        options.canDownload
          ? html`<dt>Bảng tính (Excel)</dt>
              <dd>
                ${
                  transfer.state === 'confirmed'
                    ? html`<a href="/workbooks/transfer/${transfer.id}">Tải biểu đã gửi</a>`
                    : html`<a
                        href="/workbooks/draft?${draftQuery(transfer.periodId, transfer.unitCode, transfer.formCode)}"
                        >Tải bản nháp từ báo cáo hiện tại (chưa gửi)</a
                      >`
                }
              </dd>`
          : ''
      }
      <dt>Trạng thái</dt>
      <dd>
        ${stateTag(transfer.state)}${transfer.step ? ` · bước tiếp theo: ${STEP_WORDS[transfer.step] ?? transfer.step}` : ''}
      </dd>
      <dt>Phiên bản nội dung</dt>
      <dd>${transfer.version} <span class="muted">khóa ${transfer.contentKey ?? '—'}</span></dd>
      <dt>Lần thử của phiên bản</dt>
      <dd>
        ${transfer.attempts}${transfer.nextAttemptAt ? ` · thử lại lúc ${formatInstant(transfer.nextAttemptAt)}` : ''}
      </dd>
      <dt>Mã hồ sơ quốc gia</dt>
      <dd>
        ${transfer.submissionId ?? '—'}${transfer.nationalStatus ? ` (${transfer.nationalStatus})` : ''}
      </dd>
      <dt>Xác nhận lúc</dt>
      <dd>${formatInstant(transfer.confirmedAt)}</dd>
      <dt>Báo cáo tỉnh</dt>
      <dd>
        ${transfer.sourceReportId ?? '—'} · cập nhật ${formatInstant(transfer.sourceUpdatedAt)}
      </dd>
      ${
        lastError?.message
          ? html`<dt>Lỗi gần nhất</dt>
              <dd>
                ${lastError.message}${lastError.code ? html` <code class="code">${lastError.code}</code>` : ''}
              </dd>`
          : ''
      }
    </dl>
    ${
      options.canAct
        ? html`<h2>Thao tác</h2>
            <div class="columns">
              <form method="post" action="/transfers/${transfer.id}/rerun">
                <input type="hidden" name="_csrf" value="${options.csrfToken}" />
                <div class="field">
                  <label for="rerun-reason">Lý do chạy lại</label
                  ><textarea id="rerun-reason" name="reason" required minlength="3"></textarea>
                </div>
                <button type="submit">Chạy lại</button>
              </form>
              ${
                transfer.state !== 'confirmed' && transfer.state !== 'cancelled'
                  ? html`<form method="post" action="/transfers/${transfer.id}/cancel">
                      <input type="hidden" name="_csrf" value="${options.csrfToken}" />
                      <div class="field">
                        <label for="cancel-reason">Lý do hủy</label
                        ><textarea
                          id="cancel-reason"
                          name="reason"
                          required
                          minlength="3"
                        ></textarea>
                      </div>
                      <button type="submit" class="warning">Hủy lượt chuyển</button>
                    </form>`
                  : ''
              }
            </div>`
        : ''
    }
    ${
      transfer.problems.length
        ? html`<h2>Lỗi</h2>
            ${problemsTable(transfer.problems)}`
        : ''
    }
    <h2>Biểu ${formShortName(transfer.formCode).replace('Biểu ', '')}</h2>
    ${packet ? bieuTable(form, packet) : html`<p class="empty">Chưa có số liệu đã ánh xạ.</p>`}
    <h2>So với bản trên hệ thống quốc gia</h2>
    ${nationalSection(transfer, options.national)}
    ${
      options.discrepancies.length
        ? html`<h2>Sai lệch</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Phát hiện</th>
                  <th scope="col">Loại</th>
                  <th scope="col">Tình trạng</th>
                  <th scope="col">Chi tiết</th>
                  <th scope="col">Xử lý</th>
                </tr>
              </thead>
              <tbody>
                ${options.discrepancies.map(
                  (item) =>
                    html`<tr>
                      <td>${formatInstant(item.detectedAt)}</td>
                      <td>${DISCREPANCY_WORDS[item.kind] ?? item.kind}</td>
                      <td>
                        ${DISCREPANCY_WORDS[item.status] ?? item.status}${item.resolvedBy ? ` · ${item.resolvedBy}, ${formatInstant(item.resolvedAt)}` : ''}
                      </td>
                      <td>
                        ${Array.isArray(item.details.differences) ? differencesTable(item.details.differences as NationalCopy['differences']) : html`<pre>${pretty(item.details)}</pre>`}
                      </td>
                      <td>
                        ${item.status === 'open' && options.canAct ? html`<a href="/actions/discrepancies/${item.id}">Xử lý</a>` : ''}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
            ${openDiscrepancies.length ? '' : ''}`
        : ''
    }
    <h2>Các phiên bản</h2>
    <table>
      <thead>
        <tr>
          <th scope="col" class="num">Phiên bản</th>
          <th scope="col">Lập lúc</th>
          <th scope="col">Hợp lệ</th>
          <th scope="col">Khóa nội dung</th>
          <th scope="col">Báo cáo tỉnh</th>
        </tr>
      </thead>
      <tbody>
        ${options.versions.map(
          (version) =>
            html`<tr>
              <td class="num">${version.version}</td>
              <td>${formatInstant(version.createdAt)}</td>
              <td>${version.valid ? 'Có' : 'Không'}</td>
              <td><code>${version.contentKey.slice(0, 16)}…</code></td>
              <td>${version.sourceReportId ?? '—'}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Các lần gửi</h2>
    ${attemptsTimeline(options.attempts)}
    <h2>Nhật ký của lượt chuyển</h2>
    ${auditTable(options.events)}`;
}

function nationalSection(
  transfer: TransferEntity,
  national: NationalCopy | { error: string; code?: string } | undefined | 'not-asked',
): Html {
  if (!transfer.submissionId) return html`<p>Chưa gửi lên hệ thống quốc gia.</p>`;
  if (national === 'not-asked')
    return html`<p>
      <a href="/transfers/${transfer.id}?national=1#national"
        >Đọc bản trên hệ thống quốc gia và đối chiếu từng trường</a
      >
    </p>`;
  if (!national) return html`<p>Chưa gửi lên hệ thống quốc gia.</p>`;
  if ('error' in national)
    return html`<p id="national">
      Không đọc được bản quốc gia:
      ${national.error}${national.code ? html` <code class="code">${national.code}</code>` : ''}
    </p>`;
  return html`<div id="national">
    <p>
      Hồ sơ ${national.submissionId}, trạng thái ${national.status}, cập nhật
      ${formatInstant(national.updatedAt)}.
      ${national.sameContent ? 'Cùng nội dung với phiên bản hiện tại.' : 'Khác nội dung phiên bản hiện tại.'}
    </p>
    ${differencesTable(national.differences)}
  </div>`;
}

export function auditTable(events: EventRow[]): Html {
  if (!events.length) return html`<p class="empty">Không có sự kiện nào.</p>`;
  return html`<table>
    <thead>
      <tr>
        <th scope="col" class="num">Số thứ tự</th>
        <th scope="col">Lúc</th>
        <th scope="col">Người / tiến trình</th>
        <th scope="col">Việc</th>
        <th scope="col">Kết quả</th>
        <th scope="col">Đơn vị</th>
        <th scope="col">Lý do</th>
        <th scope="col">Chi tiết</th>
      </tr>
    </thead>
    <tbody>
      ${events.map(
        (event) =>
          html`<tr>
            <td class="num">${event.seq}</td>
            <td>${formatInstant(event.occurred_at as Date | string)}</td>
            <td>${event.actor}</td>
            <td><code>${event.action}</code></td>
            <td>
              <span class="tag tag-${event.outcome === 'ok' ? 'ok' : 'error'}"
                >${event.outcome}</span
              >
            </td>
            <td>
              ${event.unit_code ?? ''}${event.form_code ? html` <span class="muted">${formShortName(event.form_code)}</span>` : ''}
            </td>
            <td>${event.reason ?? ''}</td>
            <td>
              ${
                event.details
                  ? html`<details>
                      <summary>Xem</summary>
                      <pre>${pretty(event.details)}</pre>
                    </details>`
                  : ''
              }
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
