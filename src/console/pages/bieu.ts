import type { FormDefinition, GridForm } from '../../catalog/forms';
import type { SubmissionPacket } from '../../contracts/national-wire';
import { formatNumber } from '../../common/format';
import { html, type Html } from '../html';

/** The heading rows of a grid form: grouped headings over their columns, then the numbers row. */
function headings(form: GridForm): Html {
  const top: Html[] = [];
  const second: Html[] = [];
  for (let index = 0; index < form.columns.length;) {
    const column = form.columns[index];
    if (!column.group) {
      top.push(html`<th scope="col" rowspan="2">${column.heading}</th>`);
      index += 1;
      continue;
    }
    let span = 0;
    while (form.columns[index + span]?.group === column.group) {
      second.push(html`<th scope="col">${form.columns[index + span].heading}</th>`);
      span += 1;
    }
    top.push(html`<th scope="colgroup" colspan="${span}">${column.group}</th>`);
    index += span;
  }
  return html`<tr>
      ${top}
    </tr>
    <tr>
      ${second}
    </tr>
    <tr class="numbers">
      ${form.columns.map((column) => html`<td>(${column.number})</td>`)}
    </tr>`;
}

/**
 * The biểu as the official table: the form's numbered columns, one row per sector or unit in the
 * payload's order, the totals row. An outline form (II.01-ĐC) as its titled sections.
 */
export function bieuTable(form: FormDefinition | undefined, packet: SubmissionPacket): Html {
  if (packet.packetKind === 'GUI_DE_CUONG')
    return html`${packet.body.sections.map(
      (section) =>
        html`<section>
          <h3>${section.title}</h3>
          <p>${section.text}</p>
          ${
            Object.keys(section.fields).length
              ? html`<dl class="facts">
                  ${Object.entries(section.fields).map(
                    ([name, value]) =>
                      html`<dt>${name}</dt>
                        <dd>${formatNumber(value)}</dd>`,
                  )}
                </dl>`
              : ''
          }
        </section>`,
    )}`;
  if (!form || form.kind !== 'grid')
    return html`<p class="empty">
      Không có định nghĩa biểu ${packet.header.formCode} để dựng bảng.
    </p>`;
  const counts = form.columns.filter((column) => column.type === 'count');
  const totals = new Map<number, number>();
  for (const row of packet.body.rows)
    for (const column of counts)
      totals.set(
        column.number,
        (totals.get(column.number) ?? 0) + (row.cells[String(column.number)] ?? 0),
      );
  return html`<table class="bieu">
    <caption>
      ${form.code}: ${form.title}
    </caption>
    <thead>
      ${headings(form)}
    </thead>
    <tbody>
      ${packet.body.rows.map(
        (row, index) =>
          html`<tr>
            ${form.columns.map((column) =>
              column.type === 'row-number'
                ? html`<td>${index + 1}</td>`
                : column.type === 'row-label'
                  ? html`<td class="label">${row.label}</td>`
                  : html`<td class="num">
                      ${formatNumber(row.cells[String(column.number)] ?? 0)}
                    </td>`,
            )}
          </tr>`,
      )}
      <tr class="total">
        ${form.columns.map((column) =>
          column.type === 'row-number'
            ? html`<td></td>`
            : column.type === 'row-label'
              ? html`<td class="label">Tổng số</td>`
              : html`<td class="num">${formatNumber(totals.get(column.number) ?? 0)}</td>`,
        )}
      </tr>
    </tbody>
  </table>`;
}
