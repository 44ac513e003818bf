import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs the package when it is missing). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium), as .ci/run does`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    // As root (CI), Chromium's sandbox cannot start.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/** Signs in through the console's button and the simulated SSO's own login page. */
export async function signInThroughSso(
  page: Page,
  baseUrl: string,
  person: { username: string; password: string },
  path = '/',
): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.getByRole('link', { name: 'Đăng nhập bằng SSO Quảng Ngãi' }).click();
  await page.getByLabel('Tài khoản').fill(person.username);
  await page.getByLabel('Mật khẩu').fill(person.password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForURL((url) => url.origin === baseUrl && !url.pathname.startsWith('/auth/'));
}
