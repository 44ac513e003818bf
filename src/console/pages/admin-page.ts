import type { CredentialView } from '../../vault/credential-vault';
import { formatInstant } from '../../common/format';
import { html, type Html } from '../html';

const KIND_WORDS: Record<string, string> = {
  'client-secret': 'Mật khẩu ứng dụng',
  'refresh-token': 'Phiên đăng nhập của người',
  'signing-key': 'Khóa ký số',
};
const SYSTEM_WORDS: Record<string, string> = {
  provincial: 'Hệ thống tỉnh',
  national: 'Hệ thống quốc gia',
};

function reasonField(id: string): Html {
  return html`<label for="${id}">Lý do</label>
    <input id="${id}" name="reason" required minlength="3" size="24" />`;
}

function expiry(credential: CredentialView): string {
  const notAfter = credential.details.notAfter;
  return typeof notAfter === 'string' ? formatInstant(notAfter) : '—';
}

const EXPIRY_WARNING_DAYS = 30;

/** What a technician should look at first: failed logins, certificates expiring within 30 days. */
export function needsAttention(credential: CredentialView, now = Date.now()): string | undefined {
  if (credential.status !== 'active') return undefined;
  if (credential.lastCheck && credential.lastCheck !== 'ok')
    return `Lần kiểm tra gần nhất không thành công: ${credential.lastCheck}`;
  const notAfter = credential.details.notAfter;
  if (typeof notAfter === 'string') {
    const days = Math.floor((Date.parse(notAfter) - now) / 86_400_000);
    if (days < 0) return `Chứng thư ký số đã hết hạn ngày ${formatInstant(notAfter)}`;
    if (days <= EXPIRY_WARNING_DAYS)
      return `Chứng thư ký số hết hạn sau ${days} ngày (${formatInstant(notAfter)})`;
  }
  return undefined;
}

export type CredentialFilterText = Partial<Record<'system' | 'kind' | 'unit' | 'status', string>>;

function filterForm(filters: CredentialFilterText): Html {
  const select = (
    name: keyof CredentialFilterText,
    label: string,
    options: Record<string, string>,
  ) =>
    html`<div>
      <label for="cf-${name}">${label}</label
      ><select id="cf-${name}" name="${name}">
        <option value="">Tất cả</option>
        ${Object.entries(options).map(([value, text]) => html`<option value="${value}" ${filters[name] === value ? html` selected` : ''}>${text}</option>`)}
      </select>
    </div>`;
  return html`<form method="get" action="/admin" class="filters" aria-label="Lọc tài khoản">
    ${select('system', 'Hệ thống', SYSTEM_WORDS)} ${select('kind', 'Loại', KIND_WORDS)}
    <div>
      <label for="cf-unit">Mã đơn vị</label
      ><input id="cf-unit" name="unit" value="${filters.unit ?? ''}" size="18" />
    </div>
    ${select('status', 'Tình trạng', { active: 'Đang dùng', disabled: 'Đã tắt' })}
    <div>
      <button type="submit">Lọc</button> <a href="/admin" class="button secondary">Bỏ lọc</a>
    </div>
  </form>`;
}

export function adminPage(options: {
  credentials: CredentialView[];
  attention: CredentialView[];
  filters: CredentialFilterText;
  csrfToken: string;
  personSignIn: boolean;
}): Html {
  const { csrfToken } = options;
  const hidden = html`<input type="hidden" name="_csrf" value="${csrfToken}" />`;
  return html`<h2>Cần chú ý</h2>
    ${
      options.attention.length
        ? html`<table>
            <caption>
              Tài khoản kiểm tra không thành công, chứng thư ký số sắp hết hạn (trong
              ${EXPIRY_WARNING_DAYS} ngày)
            </caption>
            <thead>
              <tr>
                <th scope="col">Tài khoản</th>
                <th scope="col">Đơn vị</th>
                <th scope="col">Vấn đề</th>
              </tr>
            </thead>
            <tbody>
              ${options.attention.map(
                (credential) =>
                  html`<tr>
                    <td>
                      <code>${credential.account}</code>
                      <span class="muted">${KIND_WORDS[credential.kind] ?? credential.kind}</span>
                    </td>
                    <td>${credential.unitCode ?? '—'}</td>
                    <td>${needsAttention(credential)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p>
            Không có tài khoản nào kiểm tra không thành công, không có chứng thư nào hết hạn trong
            ${EXPIRY_WARNING_DAYS} ngày tới.
          </p>`
    }
    <h2>Tài khoản và khóa ký số</h2>
    <p>
      Bí mật được niêm phong trong kho (AES-256-GCM) và không bao giờ hiện ra; mỗi thay đổi được ghi
      nhật ký cùng người và lý do.
    </p>
    ${filterForm(options.filters)}
    <table>
      <caption>
        ${options.credentials.length} mục
      </caption>
      <thead>
        <tr>
          <th scope="col">Hệ thống</th>
          <th scope="col">Tài khoản</th>
          <th scope="col">Loại</th>
          <th scope="col">Đơn vị, quyền</th>
          <th scope="col">Tình trạng</th>
          <th scope="col">Hết hạn</th>
          <th scope="col">Kiểm tra gần nhất</th>
          <th scope="col">Thao tác</th>
        </tr>
      </thead>
      <tbody>
        ${options.credentials.map(
          (credential) =>
            html`<tr>
              <td>${SYSTEM_WORDS[credential.system] ?? credential.system}</td>
              <td>
                <code>${credential.account}</code>
                <span class="muted">phiên bản ${credential.version}</span>
              </td>
              <td>${KIND_WORDS[credential.kind] ?? credential.kind}</td>
              <td>
                ${credential.unitCode ?? '—'}${credential.rights.length ? html` <span class="muted">${credential.rights.join(', ')}</span>` : ''}
              </td>
              <td>
                <span class="tag tag-${credential.status === 'active' ? 'ok' : 'error'}"
                  >${credential.status === 'active' ? 'Đang dùng' : 'Đã tắt'}</span
                >
              </td>
              <td>${expiry(credential)}</td>
              <td>
                ${credential.lastCheck ?? '—'}${credential.lastCheckedAt ? html` <span class="muted">${formatInstant(credential.lastCheckedAt)}</span>` : ''}
              </td>
              <td>
                <details>
                  <summary>Thao tác</summary>
                  <form method="post" action="/admin/credentials/${credential.id}/test">
                    ${hidden}<button type="submit" class="secondary">Kiểm tra đăng nhập</button>
                  </form>
                  <form
                    method="post"
                    action="/admin/credentials/${credential.id}/${credential.status === 'active' ? 'disable' : 'enable'}"
                  >
                    ${hidden} ${reasonField(`status-${credential.id}`)}
                    <button
                      type="submit"
                      class="${credential.status === 'active' ? 'warning' : ''}"
                    >
                      ${credential.status === 'active' ? 'Tắt' : 'Bật lại'}
                    </button>
                  </form>
                  <form method="post" action="/admin/credentials/${credential.id}/rotate">
                    ${hidden} <label for="secret-${credential.id}">Bí mật mới</label>
                    <input
                      id="secret-${credential.id}"
                      name="secret"
                      type="password"
                      required
                      autocomplete="off"
                    />
                    ${reasonField(`rotate-${credential.id}`)} <button type="submit">Thay</button>
                  </form>
                </details>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Thêm tài khoản</h2>
    <form method="post" action="/admin/credentials">
      ${hidden}
      <div class="field">
        <label for="c-system">Hệ thống</label
        ><select id="c-system" name="system">
          <option value="national">Hệ thống quốc gia</option>
          <option value="provincial">Hệ thống tỉnh</option>
        </select>
      </div>
      <div class="field">
        <label for="c-kind">Loại</label
        ><select id="c-kind" name="kind">
          <option value="client-secret">Mật khẩu ứng dụng</option>
          <option value="signing-key">Khóa ký số (PEM)</option>
          <option value="refresh-token">Phiên đăng nhập của người</option>
        </select>
      </div>
      <div class="field">
        <label for="c-account">Tài khoản</label><input id="c-account" name="account" required />
      </div>
      <div class="field">
        <label for="c-unit">Đơn vị dùng tài khoản (mã)</label><input id="c-unit" name="unitCode" />
      </div>
      <div class="field">
        <label for="c-rights">Quyền</label>
        <p class="hint">nhap, tong_hop, duyet, gui; cách nhau bằng dấu phẩy</p>
        <input id="c-rights" name="rights" />
      </div>
      <div class="field">
        <label for="c-secret">Bí mật</label
        ><textarea id="c-secret" name="secret" required autocomplete="off"></textarea>
      </div>
      <div class="field">
        <label for="c-reason">Lý do</label
        ><input id="c-reason" name="reason" required minlength="3" size="40" />
      </div>
      <button type="submit">Thêm</button>
    </form>
    <h2>Đăng nhập SSO cho cổng</h2>
    ${
      options.personSignIn
        ? html`<p>
              Cổng đọc hệ thống báo cáo của tỉnh bằng phiên đăng nhập của một người
              (provincial.signIn: person). Đăng nhập lại khi phiên đó hết hạn.
            </p>
            <form method="post" action="/admin/provincial-sign-in">
              ${hidden}<button type="submit">Đăng nhập SSO Quảng Ngãi cho cổng</button>
            </form>`
        : html`<p>
            Cổng đọc hệ thống báo cáo của tỉnh bằng tài khoản dịch vụ của mình (provincial.signIn:
            service): không cần ai đăng nhập.
          </p>`
    }`;
}
