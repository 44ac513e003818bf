import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FormCatalogue, type FormDefinition } from '../../src/catalog/forms';
import type { SubmissionPacket } from '../../src/contracts/national-wire';

const MAPPING = path.join(__dirname, '..', 'fixtures', 'mapping', 'ok');

/**
 * Every form's packet from the mapping golden files (a commune's II.05a, II.06a and II.01-ĐC of
 * Q1/2025, a district's II.05 and II.06), each with its form: what the workbooks are made from in
 * the tests, the bench and the README's image.
 */
export function goldenPackets(): Array<{ form: FormDefinition; packet: SubmissionPacket }> {
  const forms = FormCatalogue.load();
  const found = new Map<string, { form: FormDefinition; packet: SubmissionPacket }>();
  for (const name of ['commune-old-tree-q1-2025.json', 'district-summary-q1-2025.json']) {
    const fixture = JSON.parse(readFileSync(path.join(MAPPING, name), 'utf8')) as {
      expected: {
        forms: Array<{ formCode: string; regimeCode: string; packet: SubmissionPacket }>;
      };
    };
    for (const mapped of fixture.expected.forms) {
      const form = forms.forms.find(
        (candidate) => candidate.code === mapped.formCode && candidate.regime === mapped.regimeCode,
      )!;
      found.set(mapped.formCode, { form, packet: mapped.packet });
    }
  }
  return [...found.values()].sort((a, b) => a.form.code.localeCompare(b.form.code));
}

/** The commune's II.06a of the golden files. */
export function goldenII06a(): { form: FormDefinition; packet: SubmissionPacket } {
  return goldenPackets().find((entry) => entry.form.code.startsWith('II.06a/'))!;
}
