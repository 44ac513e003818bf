import { escapeHtml, html } from './html';

describe('html: escaped by default', () => {
  it('escapes every value that is not itself Html', () => {
    const name = `<script>alert("x")</script> & 'y' \`z\``;
    // prettier-ignore
    const cell = html`<td>${name}</td>`;
    expect(cell.markup).toBe(
      '<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;z&#96;</td>',
    );
  });

  it('escapes inside attributes, so a value cannot close its quote', () => {
    // prettier-ignore
    const input = html`<input value="${'" onfocus="alert(1)'}">`;
    expect(input.markup).toBe('<input value="&quot; onfocus=&quot;alert(1)">');
  });

  it('inserts Html as markup, lists item by item, and nothing for null, undefined or false', () => {
    // prettier-ignore
    const rows = ['a<b', 'c'].map((text) => html`<li>${text}</li>`);
    // prettier-ignore
    const list = html`<ul>${rows}${null}${undefined}${false}</ul>`;
    expect(list.markup).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
    // prettier-ignore
    const scalars = html`${0} ${true}`;
    expect(scalars.markup).toBe('0 true');
  });

  it('leaves text without special characters as it is', () => {
    expect(escapeHtml('Quý I/2025 — Đã xác nhận')).toBe('Quý I/2025 — Đã xác nhận');
  });
});
