import type { Role } from '../access/roles.decorator';
import { html, type Html } from './html';
import { ROLE_WORDS } from './words';
import type { ConsolePerson } from './console-sessions';

interface NavItem {
  href: string;
  label: string;
  roles: Role[];
}

/** The console's sections; a person sees the ones their roles open. */
export const NAV: NavItem[] = [
  { href: '/', label: 'Bảng theo kỳ', roles: ['operator', 'auditor', 'admin'] },
  { href: '/transfers', label: 'Lượt chuyển', roles: ['operator', 'auditor', 'admin'] },
  { href: '/actions', label: 'Thao tác', roles: ['operator', 'admin'] },
  { href: '/audit', label: 'Nhật ký truyền dữ liệu', roles: ['auditor', 'admin'] },
  { href: '/admin', label: 'Quản trị', roles: ['admin'] },
];

export function can(person: Pick<ConsolePerson, 'roles'> | undefined, roles: Role[]): boolean {
  return Boolean(person?.roles.some((role) => roles.includes(role)));
}

export interface PageOptions {
  title: string;
  person?: ConsolePerson;
  /** The nav item to mark as the current page. */
  section?: string;
  /** A message at the top: done (green) or refused (the error summary). */
  notice?: { kind: 'ok' | 'error'; text: string; code?: string };
  /** Live parts: the page loads /console/assets/console.js. */
  live?: boolean;
}

/** The page around every console view: header, the sections, who is signed in, sign-out. */
export function page(options: PageOptions, content: Html): Html {
  const { person } = options;
  const scope = person?.scope
    ? ` · ${person.scope.kind === 'district' ? 'Huyện' : 'Đơn vị'} ${person.scope.code}`
    : '';
  return html`<!doctype html>
    <html lang="vi">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · Cổng chuyển báo cáo Quảng Ngãi</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/console/assets/console.css" />
        ${options.live ? html`<script src="/console/assets/console.js" defer></script>` : ''}
      </head>
      <body>
        <a class="skip" href="#main">Bỏ qua, đến nội dung chính</a>
        <header class="top">
          <div class="brand">
            <a href="/">Cổng chuyển báo cáo Quảng Ngãi</a>
            <span class="sub">Hệ thống báo cáo tỉnh → Hệ thống báo cáo Chính phủ</span>
          </div>
          ${
            person
              ? html`<div class="who">
                  <span>${person.name ?? person.subject}</span>
                  <span class="roles"
                    >${person.roles.map((role) => ROLE_WORDS[role] ?? role).join(', ')}${scope}</span
                  >
                  <form method="post" action="/auth/logout" class="inline">
                    <input type="hidden" name="_csrf" value="${person.csrfToken}" />
                    <button type="submit" class="link">Đăng xuất</button>
                  </form>
                </div>`
              : ''
          }
        </header>
        ${
          person
            ? html`<nav aria-label="Các mục">
                <ul>
                  ${NAV.filter((item) => can(person, item.roles)).map(
                    (item) =>
                      html`<li>
                        <a
                          href="${item.href}"
                          ${item.href === options.section ? html` aria-current="page"` : ''}
                          >${item.label}</a
                        >
                      </li>`,
                  )}
                </ul>
              </nav>`
            : ''
        }
        <main id="main" tabindex="-1">
          <h1>${options.title}</h1>
          ${
            options.notice
              ? options.notice.kind === 'error'
                ? html`<div class="error-summary" role="alert" tabindex="-1">
                    <h2>Không thực hiện được</h2>
                    <p>
                      ${options.notice.text}${options.notice.code ? html` <code class="code">${options.notice.code}</code>` : ''}
                    </p>
                  </div>`
                : html`<div class="notice" role="status"><p>${options.notice.text}</p></div>`
              : ''
          }
          ${content}
        </main>
        <footer>
          <p>
            Giờ Việt Nam (UTC+7). Mọi thao tác được ghi vào nhật ký truyền dữ liệu cùng người thực
            hiện và lý do.
          </p>
        </footer>
      </body>
    </html>`;
}
