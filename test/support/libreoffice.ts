import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** LibreOffice's binary, as Debian's libreoffice-calc-nogui installs it (.ci/run does). */
export const SOFFICE = ['/usr/bin/soffice', '/usr/bin/libreoffice'].find((candidate) =>
  existsSync(candidate),
);

/**
 * Converts workbooks to PDF with LibreOffice, headless, beside them in `dir`, with a profile of
 * its own there (so it never meets a running LibreOffice's); returns the PDFs' paths.
 */
export function convertToPdf(dir: string, files: string[]): string[] {
  if (!SOFFICE) throw new Error('LibreOffice (soffice) is not installed');
  execFileSync(
    SOFFICE,
    [
      `-env:UserInstallation=file://${dir}/profile`,
      '--headless',
      '--convert-to',
      'pdf',
      '--outdir',
      dir,
      ...files,
    ],
    { stdio: 'ignore', timeout: 120_000 },
  );
  return files.map((file) => path.join(dir, `${path.basename(file, path.extname(file))}.pdf`));
}
