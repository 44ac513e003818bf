import type { Period } from '../../catalog/periods';
import type { DiscrepancyRow } from '../../transfers/discrepancy-query';
import type { SyncResult } from '../../transfers/transfer-planner';
import { formatInstant, formatNumber, formShortName, periodName } from '../../common/format';
import { draftQuery } from '../../workbooks/send-workbook';
import { html, type Html } from '../html';
import { DISCREPANCY_WORDS, STATE_ORDER, STATE_WORDS } from '../words';
import { differencesTable } from './transfer-pages';

const DRY_RUN_ACTIONS: Record<string, string> = {
  push: 'Sẽ gửi mới',
  correct: 'Sẽ gửi bản sửa',
  none: 'Không cần gửi (đã có đúng nội dung)',
  invalid: 'Không hợp lệ: sẽ không gửi',
};

export function actionsPage(options: {
  periods: Period[];
  period: Period;
  csrfToken: string;
  discrepancies: DiscrepancyRow[];
  names: Map<string, string>;
  counts: { failed: number; unknown: number; invalid: number };
}): Html {
  const periodSelect = (id: string) =>
    html`<select id="${id}" name="periodId">
      ${options.periods.map((period) => html`<option value="${period.id}" ${period.id === options.period.id ? html` selected` : ''}>${periodName(period.id)}</option>`)}
    </select>`;
  return html`<h2>Cần xử lý</h2>
    <ul>
      <li>
        <a href="/transfers?status=failed"
          >${formatNumber(options.counts.failed)} lượt chuyển gửi thất bại</a
        >: xem lỗi và chạy lại.
      </li>
      <li>
        <a href="/transfers?status=unknown"
          >${formatNumber(options.counts.unknown)} lượt chuyển chưa rõ kết quả</a
        >: chạy lại sẽ đọc lại hệ thống quốc gia trước khi gửi.
      </li>
      <li>
        <a href="/transfers?status=invalid"
          >${formatNumber(options.counts.invalid)} lượt chuyển không hợp lệ</a
        >: cần đơn vị sửa trên hệ thống của tỉnh.
      </li>
    </ul>
    <h2>Đồng bộ hoặc chạy thử một kỳ</h2>
    <form method="post" action="/actions/sync">
      <input type="hidden" name="_csrf" value="${options.csrfToken}" />
      <div class="field">
        <label for="sync-period">Kỳ báo cáo</label>${periodSelect('sync-period')}
      </div>
      <div class="field">
        <label for="sync-units">Mã đơn vị</label>
        <p class="hint">
          Để trống: mọi đơn vị trong phạm vi của bạn. Nhiều đơn vị: cách nhau bằng dấu phẩy.
        </p>
        <input id="sync-units" name="units" size="60" />
      </div>
      <div class="field">
        <input type="checkbox" id="sync-dry" name="dryRun" value="true" />
        <label for="sync-dry" class="inline-label"
          >Chạy thử: chỉ xem số liệu sẽ gửi, không gửi gì</label
        >
      </div>
      <div class="field">
        <label for="sync-reason">Lý do</label
        ><textarea id="sync-reason" name="reason" required minlength="3"></textarea>
      </div>
      <button type="submit">Bắt đầu</button>
    </form>
    <h2>Đối soát</h2>
    <form method="post" action="/actions/reconcile">
      <input type="hidden" name="_csrf" value="${options.csrfToken}" />
      <p>
        Đọc lại hệ thống quốc gia và so với những gì cổng đã gửi, theo cả hai chiều; khác biệt được
        ghi thành sai lệch.
      </p>
      <div class="field">
        <label for="reconcile-period">Kỳ báo cáo</label>${periodSelect('reconcile-period')}
      </div>
      <button type="submit" class="secondary">Đối soát</button>
    </form>
    <h2>Sai lệch chưa xử lý</h2>
    ${
      options.discrepancies.length
        ? html`<table>
            <thead>
              <tr>
                <th scope="col">Phát hiện</th>
                <th scope="col">Kỳ</th>
                <th scope="col">Đơn vị</th>
                <th scope="col">Biểu</th>
                <th scope="col">Loại</th>
                <th scope="col">Xử lý</th>
              </tr>
            </thead>
            <tbody>
              ${options.discrepancies.map(
                (item) =>
                  html`<tr>
                    <td>${formatInstant(item.detectedAt)}</td>
                    <td>${periodName(item.periodId)}</td>
                    <td>${options.names.get(item.unitCode) ?? item.unitCode}</td>
                    <td>
                      ${item.transferId ? html`<a href="/transfers/${item.transferId}">${formShortName(item.formCode)}</a>` : formShortName(item.formCode)}
                    </td>
                    <td>${DISCREPANCY_WORDS[item.kind] ?? item.kind}</td>
                    <td><a href="/actions/discrepancies/${item.id}">Xử lý</a></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="empty">Không có sai lệch nào đang chờ.</p>`
    }`;
}

export function dryRunPage(result: SyncResult, names: Map<string, string>): Html {
  const items = result.dryRunItems ?? [];
  return html`<p class="lead">
      ${periodName(result.periodId, true)}: đã đọc ${formatNumber(result.reports)} báo cáo,
      ${formatNumber(items.length)} biểu. Không có gì được gửi.
    </p>
    <table>
      <caption>
        Kết quả chạy thử
      </caption>
      <thead>
        <tr>
          <th scope="col">Đơn vị</th>
          <th scope="col">Biểu</th>
          <th scope="col">Sẽ làm gì</th>
          <th scope="col">Bản quốc gia</th>
          <th scope="col">Lỗi</th>
          <th scope="col">Bảng tính</th>
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (item) =>
            html`<tr>
              <td>
                ${names.get(item.unitCode) ?? item.unitCode}
                <span class="muted">${item.unitCode}</span>
              </td>
              <td>${formShortName(item.formCode)}</td>
              <td>
                <span class="tag tag-${item.valid ? 'ok' : 'error'}"
                  >${DRY_RUN_ACTIONS[item.action] ?? item.action}</span
                >
              </td>
              <td>
                ${item.national ? `${item.national.submissionId} (${item.national.status}${item.national.sameContent ? ', cùng nội dung' : ', khác nội dung'})` : 'Chưa có'}
              </td>
              <td>${item.problems.map((problem) => html`<div>${problem.message}</div>`)}</td>
              <td>
                <a
                  href="/workbooks/draft?${draftQuery(result.periodId, item.unitCode, item.formCode)}"
                  >Bản nháp (Excel)</a
                >
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      result.skipped.length
        ? html`<h2>Báo cáo bỏ qua</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Đơn vị</th>
                  <th scope="col">Lý do</th>
                </tr>
              </thead>
              <tbody>
                ${result.skipped.map(
                  (skip) =>
                    html`<tr>
                      <td>${names.get(skip.unitCode) ?? skip.unitCode}</td>
                      <td>${skip.reason}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        : ''
    }`;
}

export function progressPage(options: {
  periodId: string;
  units: string[] | null;
  liveUrl: string;
  progress: {
    plannedAt: Date | null;
    byState: Record<string, number>;
    moving: number;
    done: boolean;
  };
}): Html {
  const { progress } = options;
  return html`<div class="progress" data-live="${options.liveUrl}" aria-live="polite">
      <p>
        ${periodName(options.periodId, true)}${options.units ? ` · ${options.units.length} đơn vị` : ' · mọi đơn vị'}.
      </p>
      <p>Tình trạng: <strong data-field="status">${progressWord(progress)}</strong></p>
      <table>
        <caption>
          Lượt chuyển của kỳ theo trạng thái (tự cập nhật)
        </caption>
        <thead>
          <tr>
            ${STATE_ORDER.filter((state) => state !== 'planned').map((state) => html`<th scope="col" class="num">${STATE_WORDS[state]}</th>`)}
          </tr>
        </thead>
        <tbody>
          <tr>
            ${STATE_ORDER.filter((state) => state !== 'planned').map((state) => html`<td class="num" data-field="${state}">${formatNumber(progress.byState[state] ?? 0)}</td>`)}
          </tr>
        </tbody>
      </table>
    </div>
    <p>
      <a href="/?period=${options.periodId}">Xem bảng theo kỳ</a> ·
      <a href="/transfers?period=${options.periodId}">Xem các lượt chuyển</a>
    </p>`;
}

export function progressWord(progress: {
  plannedAt: Date | null;
  moving: number;
  done: boolean;
}): string {
  if (!progress.plannedAt) return 'Đang đọc báo cáo và lập kế hoạch…';
  if (!progress.done)
    return `Đã lập kế hoạch lúc ${formatInstant(progress.plannedAt)}; còn ${formatNumber(progress.moving)} lượt chuyển đang gửi…`;
  return `Xong: lập kế hoạch lúc ${formatInstant(progress.plannedAt)}, không còn lượt chuyển nào đang gửi.`;
}

export function discrepancyPage(
  item: DiscrepancyRow,
  unitName: string | undefined,
  csrfToken: string,
): Html {
  const differences = Array.isArray(item.details.differences)
    ? (item.details.differences as Array<{ path: string; sent: unknown; held: unknown }>)
    : [];
  return html`<dl class="facts">
      <dt>Đơn vị</dt>
      <dd>${unitName ?? ''} <code>${item.unitCode}</code></dd>
      <dt>Kỳ, biểu</dt>
      <dd>${periodName(item.periodId)} · ${item.formCode}</dd>
      <dt>Loại</dt>
      <dd>${DISCREPANCY_WORDS[item.kind] ?? item.kind}</dd>
      <dt>Phát hiện</dt>
      <dd>${formatInstant(item.detectedAt)}</dd>
      <dt>Tình trạng</dt>
      <dd>${DISCREPANCY_WORDS[item.status] ?? item.status}</dd>
      ${
        item.transferId
          ? html`<dt>Lượt chuyển</dt>
              <dd><a href="/transfers/${item.transferId}">xem</a></dd>`
          : ''
      }
    </dl>
    ${differences.length ? differencesTable(differences) : ''}
    ${
      item.status === 'open'
        ? html`<form method="post" action="/actions/discrepancies/${item.id}">
            <input type="hidden" name="_csrf" value="${csrfToken}" />
            <fieldset>
              <legend>Cách xử lý</legend>
              <div>
                <input type="radio" id="res-accept" name="action" value="accept" required />
                <label for="res-accept" class="inline-label"
                  >Chấp nhận bản trên hệ thống quốc gia</label
                >
              </div>
              ${item.transferId && item.kind !== 'unexpected' ? html`<div><input type="radio" id="res-repush" name="action" value="repush" /> <label for="res-repush" class="inline-label">Gửi lại bản của cổng</label></div>` : ''}
            </fieldset>
            <div class="field">
              <label for="res-reason">Lý do</label
              ><textarea id="res-reason" name="reason" required minlength="3"></textarea>
            </div>
            <button type="submit">Xử lý sai lệch</button>
          </form>`
        : ''
    }`;
}
