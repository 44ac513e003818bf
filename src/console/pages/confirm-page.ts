import { html, type Html } from '../html';

/**
 * The confirmation step of an action (Django admin's way): what will be touched, the reason as
 * typed, and one button that does it; the form carries everything again with confirm=yes.
 */
export function confirmPage(options: {
  action: string;
  csrfToken: string;
  fields: Record<string, string>;
  summary: Html;
  button: string;
  back: string;
  danger?: boolean;
}): Html {
  return html`${options.summary}
    <form method="post" action="${options.action}">
      <input type="hidden" name="_csrf" value="${options.csrfToken}" />
      <input type="hidden" name="confirm" value="yes" />
      ${Object.entries(options.fields).map(
        ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
      )}
      <button type="submit" ${options.danger ? html` class="warning"` : ''}>
        ${options.button}
      </button>
      <a href="${options.back}" class="button secondary">Quay lại, không làm gì</a>
    </form>`;
}
