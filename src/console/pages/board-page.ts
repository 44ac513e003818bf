import type { Period } from '../../catalog/periods';
import {
  BOARD_WORDS,
  URGENCY_WORDS,
  type Board,
  type BoardCategory,
  type BoardCell,
  type BoardGroup,
} from '../../transfers/board-query';
import {
  formatDate,
  formatInstant,
  formatNumber,
  formShortName,
  periodName,
} from '../../common/format';
import { html, type Html } from '../html';
import { LEVEL_WORDS, STATE_WORDS } from '../words';

const COLUMNS: Array<{ key: BoardCategory | 'atRisk' | 'overdue'; label: string }> = [
  { key: 'on-time', label: 'Đúng hạn' },
  { key: 'late', label: 'Xác nhận trễ' },
  { key: 'in-progress', label: 'Đang xử lý' },
  { key: 'atRisk', label: 'Sắp trễ hạn' },
  { key: 'overdue', label: 'Trễ hạn' },
  { key: 'not-approved', label: 'Chưa duyệt ở tỉnh' },
  { key: 'no-report', label: 'Chưa có báo cáo' },
  { key: 'skipped', label: 'Bỏ qua' },
  { key: 'invalid', label: 'Không hợp lệ' },
  { key: 'failed', label: 'Gửi thất bại' },
];

function periodPicker(period: Period, periods: Period[]): Html {
  return html`<form method="get" action="/" class="filters">
    <label for="period">Kỳ báo cáo</label>
    <select id="period" name="period">
      ${periods.map(
        (candidate) =>
          html`<option value="${candidate.id}" ${candidate.id === period.id ? html` selected` : ''}>
            ${periodName(candidate.id)}
          </option>`,
      )}
    </select>
    <button type="submit">Xem</button>
  </form>`;
}

function countLink(period: Period, group: BoardGroup, key: (typeof COLUMNS)[number]['key']): Html {
  const count = group.counts[key];
  if (!count) return html`<td class="num zero">0</td>`;
  const filter =
    key === 'atRisk'
      ? 'urgency=at-risk'
      : key === 'overdue'
        ? 'urgency=overdue'
        : `category=${key}`;
  return html`<td class="num">
    <a href="/board/${period.id}/${encodeURIComponent(group.key)}?${filter}"
      >${formatNumber(count)}</a
    >
  </td>`;
}

export function boardPage(board: Board, periods: Period[], canDownload: boolean): Html {
  const { period } = board;
  const districts = board.groups.filter((group) => group.summary);
  return html`${periodPicker(period, periods)}
    <p class="lead">
      ${periodName(period.id, true)}. Mỗi ô đếm một biểu của một đơn vị phải gửi trong kỳ; bấm vào
      số để xem từng đơn vị.
    </p>
    ${
      canDownload
        ? html`<p>
            <a href="/workbooks/compliance?periodId=${period.id}"
              >Tải bảng tình hình gửi báo cáo của kỳ (Excel: tổng hợp và từng nhóm đơn vị)</a
            >
          </p>`
        : ''
    }
    <table class="board">
      <caption>
        Tình hình gửi báo cáo theo nhóm đơn vị, so với hạn gửi
      </caption>
      <thead>
        <tr>
          <th scope="col">Nhóm đơn vị</th>
          ${COLUMNS.map((column) => html`<th scope="col" class="num">${column.label}</th>`)}
          <th scope="col" class="num">Tổng số biểu</th>
        </tr>
      </thead>
      <tbody>
        ${board.groups.map(
          (group) =>
            html`<tr>
              <th scope="row">
                <a href="/board/${period.id}/${encodeURIComponent(group.key)}">${group.name}</a>
              </th>
              ${COLUMNS.map((column) => countLink(period, group, column.key))}
              <td class="num">${formatNumber(group.counts.total)}</td>
            </tr>`,
        )}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Toàn tỉnh</th>
          ${COLUMNS.map((column) => html`<td class="num">${formatNumber(board.totals[column.key])}</td>`)}
          <td class="num">${formatNumber(board.totals.total)}</td>
        </tr>
      </tfoot>
    </table>
    ${board.groups.length ? '' : html`<p class="empty">Chưa có đơn vị nào cho kỳ này: cổng chưa lập kế hoạch kỳ (chạy đồng bộ ở mục Thao tác), hoặc phạm vi của bạn không có đơn vị nào trong kỳ.</p>`}
    ${
      districts.length
        ? html`<h2>Biểu tổng hợp cấp huyện (II.06, II.05)</h2>
            <table>
              <caption>
                Biểu tổng hợp của mỗi huyện và các đơn vị con chưa được xác nhận
              </caption>
              <thead>
                <tr>
                  <th scope="col">Huyện</th>
                  <th scope="col">Trạng thái biểu tổng hợp</th>
                  <th scope="col" class="num">Đơn vị con đang chờ</th>
                  <th scope="col">Đang chờ</th>
                </tr>
              </thead>
              <tbody>
                ${districts.map(
                  (group) =>
                    html`<tr>
                      <th scope="row">${group.name}</th>
                      <td>
                        ${group.summary!.states.map((state) => STATE_WORDS[state as keyof typeof STATE_WORDS] ?? BOARD_WORDS[state as BoardCategory] ?? state).join(', ') || '—'}
                      </td>
                      <td class="num">${formatNumber(group.summary!.waitingFor)}</td>
                      <td>
                        ${group.summary!.waitingUnits.join('; ')}${group.summary!.waitingFor > group.summary!.waitingUnits.length ? ' …' : ''}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        : ''
    }
    ${
      board.skippedOutside.length
        ? html`<h2>Báo cáo bị bỏ qua</h2>
            <p>
              Các báo cáo này có trên hệ thống của tỉnh nhưng đơn vị không còn (hoặc chưa) hiệu lực
              trong kỳ, nên cổng không chuyển.
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col">Đơn vị</th>
                  <th scope="col">Báo cáo</th>
                  <th scope="col">Lý do</th>
                </tr>
              </thead>
              <tbody>
                ${board.skippedOutside.map(
                  (row) =>
                    html`<tr>
                      <td>${row.unitCode}</td>
                      <td>${row.reportId}</td>
                      <td>${row.reason ?? '—'}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        : ''
    }`;
}

function cellState(cell: BoardCell): Html {
  const word = BOARD_WORDS[cell.category];
  const state =
    cell.state && cell.category === 'in-progress'
      ? ` (${STATE_WORDS[cell.state as keyof typeof STATE_WORDS] ?? cell.state})`
      : '';
  return html`<span class="tag tag-${cell.category}">${word}${state}</span>${
      cell.urgency
        ? html` <span class="tag tag-${cell.urgency}">${URGENCY_WORDS[cell.urgency]}</span>`
        : ''
    }`;
}

export function groupPage(
  period: Period,
  groupName: string,
  cells: BoardCell[],
  filterWord: string | undefined,
): Html {
  return html`<p><a href="/?period=${period.id}">← Bảng ${periodName(period.id)}</a></p>
    <p class="lead">
      ${groupName} · ${periodName(period.id, true)}${filterWord ? ` · chỉ: ${filterWord}` : ''}
    </p>
    <table>
      <caption>
        Từng đơn vị và biểu
      </caption>
      <thead>
        <tr>
          <th scope="col">Đơn vị</th>
          <th scope="col">Cấp</th>
          <th scope="col">Biểu</th>
          <th scope="col">Hạn gửi</th>
          <th scope="col">Tình trạng</th>
          <th scope="col">Duyệt ở tỉnh</th>
          <th scope="col">Xác nhận</th>
          <th scope="col">Ghi chú</th>
        </tr>
      </thead>
      <tbody>
        ${cells.map(
          (cell) =>
            html`<tr>
              <th scope="row">${cell.unitName} <span class="muted">${cell.unitCode}</span></th>
              <td>${LEVEL_WORDS[cell.level] ?? cell.level}</td>
              <td>
                ${cell.transferId ? html`<a href="/transfers/${cell.transferId}">${formShortName(cell.formCode)}</a>` : formShortName(cell.formCode)}
              </td>
              <td>${formatDate(cell.deadline)}</td>
              <td>${cellState(cell)}</td>
              <td>${formatInstant(cell.approvedAt)}</td>
              <td>${formatInstant(cell.confirmedAt)}</td>
              <td>${cell.detail ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${cells.length ? '' : html`<p class="empty">Không có biểu nào khớp.</p>`}`;
}
