import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

/** One import that breaks a never-rule, in the folder it is forbidden from. */
const BREAKS: Array<{ rule: string; file: string; code: string; message: RegExp }> = [
  {
    rule: 'mapping imports no client',
    file: 'src/mapping/lint-probe.ts',
    code: "export { NationalClient } from '../national/national.client';",
    message: /mapping\/ is pure/,
  },
  {
    rule: 'mapping imports no database',
    file: 'src/mapping/lint-probe.ts',
    code: "export { TransferEntity } from '../database/entities/transfer.entity';",
    message: /mapping\/ is pure/,
  },
  {
    rule: 'provincial never imports national',
    file: 'src/provincial/lint-probe.ts',
    code: "export { NationalClient } from '../national/national.client';",
    message: /never import each other/,
  },
  {
    rule: 'national never imports provincial',
    file: 'src/national/lint-probe.ts',
    code: "export { ProvincialClient } from '../provincial/provincial.client';",
    message: /never import each other/,
  },
  {
    rule: 'audit never imports transfers',
    file: 'src/audit/lint-probe.ts',
    code: "export { TransfersService } from '../transfers/transfers.service';",
    message: /audit\/ never imports transfers/,
  },
  {
    rule: 'catalog imports only config and contracts',
    file: 'src/catalog/lint-probe.ts',
    code: "export { canonicalJson } from '../common/canonical-json';",
    message: /catalog\/ imports only/,
  },
  {
    rule: 'database imports no feature',
    file: 'src/database/lint-probe.ts',
    code: "export { AuditLog } from '../audit/audit-log';",
    message: /database\/ imports no feature/,
  },
  {
    rule: 'production never imports the simulators',
    file: 'src/transfers/lint-probe.ts',
    code: "export { startSimulators } from '../simulators/simulators';",
    message: /never imports src\/simulators/,
  },
  {
    rule: 'production never loads the simulators later either',
    file: 'src/vault/lint-probe.ts',
    code: "export const later = () => import('../simulators/demo');",
    message: /composition roots/,
  },
  {
    rule: 'only the clients import axios',
    file: 'src/audit/lint-probe-http.ts',
    code: "export { default } from 'axios';",
    message: /Only provincial\/ and national\/ import axios/,
  },
];

/** What `npm run lint` (eslint with the project's configuration) says of the given files. */
function lint(files: string[]): Array<{ filePath: string; messages: Array<{ message: string }> }> {
  const run = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', ...files],
    { cwd: root, encoding: 'utf8' },
  );
  expect(run.error).toBeUndefined();
  return JSON.parse(run.stdout) as Array<{
    filePath: string;
    messages: Array<{ message: string }>;
  }>;
}

describe('the never-rules are lint rules', () => {
  it('each broken rule fails `npm run lint` with its own message', () => {
    // Each probe in its own pass: two rules may share a folder.
    const byFile = new Map<string, typeof BREAKS>();
    for (const broken of BREAKS)
      byFile.set(broken.file, [...(byFile.get(broken.file) ?? []), broken]);
    const rounds = Math.max(...[...byFile.values()].map((list) => list.length));
    for (let round = 0; round < rounds; round++) {
      const probes = [...byFile.values()].map((list) => list[round]).filter(Boolean);
      try {
        for (const probe of probes) writeFileSync(path.join(root, probe.file), `${probe.code}\n`);
        const results = lint(probes.map((probe) => probe.file));
        for (const probe of probes) {
          const result = results.find((item) => item.filePath === path.join(root, probe.file));
          expect({
            rule: probe.rule,
            fails: result?.messages.some((message) => probe.message.test(message.message)),
          }).toEqual({ rule: probe.rule, fails: true });
        }
      } finally {
        for (const probe of probes) rmSync(path.join(root, probe.file), { force: true });
      }
    }
  }, 180_000);

  it('the same imports where they are allowed pass', () => {
    const allowed = [
      {
        file: 'src/transfers/lint-probe.ts',
        code: "export { NationalClient } from '../national/national.client';",
      },
      {
        file: 'src/catalog/lint-probe.ts',
        code: "export type { UnitRecord } from '../contracts/provincial-wire';",
      },
      { file: 'src/national/lint-probe.ts', code: "export { default } from 'axios';" },
    ];
    try {
      for (const probe of allowed) writeFileSync(path.join(root, probe.file), `${probe.code}\n`);
      const results = lint(allowed.map((probe) => probe.file));
      expect(results.flatMap((result) => result.messages)).toEqual([]);
    } finally {
      for (const probe of allowed) rmSync(path.join(root, probe.file), { force: true });
    }
  }, 180_000);
});
