import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { AppConfig } from './app-config';
import { configSchema, environmentKeys, remoteSystemKeys, secretKeys } from './config.schema';
import { projectRoot } from './project-root';

export interface ConfigProblem {
  key: string;
  env?: string;
  message: string;
}

/** A configuration the gateway cannot run with: every problem at once (code CONFIG_INVALID). */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Cấu hình không hợp lệ (${problems.length} lỗi):\n` +
        problems
          .map(
            (problem) =>
              `  - ${problem.key}${problem.env ? ` (${problem.env})` : ''}: ${problem.message}`,
          )
          .join('\n'),
    );
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1]] = value;
}

function mergeInto(target: Tree, source: Tree): Tree {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      existing !== null &&
      typeof existing === 'object' &&
      !Array.isArray(existing)
    ) {
      mergeInto(existing as Tree, value as Tree);
    } else {
      target[key] = value;
    }
  }
  return target;
}

function readYaml(file: string, problems: ConfigProblem[]): Tree {
  try {
    const parsed: unknown = parseYaml(readFileSync(file, 'utf8'));
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push({ key: file, message: 'phải chứa một bảng khóa ở mức trên cùng' });
      return {};
    }
    return parsed as Tree;
  } catch (error) {
    problems.push({ key: file, message: `không đọc được: ${(error as Error).message}` });
    return {};
  }
}

export interface LoadConfigOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Folder holding default.yaml; the project's config/ unless a test says otherwise. */
  configDir?: string;
}

/**
 * Reads config/default.yaml, then the file named by CONFIG_FILE, then the environment, and
 * validates the result. Every problem is collected into one ConfigError.
 */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const env = options.env ?? process.env;
  const configDir = options.configDir ?? path.join(projectRoot, 'config');
  const problems: ConfigProblem[] = [];
  const sources: string[] = [];
  const tree: Tree = {};

  const files = [path.join(configDir, 'default.yaml')];
  if (env.CONFIG_FILE) files.push(path.resolve(env.CONFIG_FILE));
  for (const file of files) {
    if (!existsSync(file)) {
      if (file !== files[0])
        problems.push({ key: file, env: 'CONFIG_FILE', message: 'không có tệp này' });
      continue;
    }
    mergeInto(tree, readYaml(file, problems));
    sources.push(file);
  }

  const envOf = new Map<string, string>();
  for (const [variable, key] of Object.entries(environmentKeys)) {
    envOf.set(key, variable);
    const value = env[variable];
    if (value !== undefined && value !== '') setPath(tree, key, value);
  }

  // zod's own words in Vietnamese, for this parse only.
  const result = configSchema.safeParse(tree, { error: z.locales.vi().localeError });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.join('.') || '(root)';
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') {
        for (const unknown of issue.keys) {
          problems.push({
            key: key === '(root)' ? unknown : `${key}.${unknown}`,
            message: 'không phải khóa cấu hình đã biết',
          });
        }
        continue;
      }
      const received = readPath(tree, issue.path);
      if (received !== undefined && !secretKeys.has(key))
        message += ` (nhận được ${JSON.stringify(received)})`;
      problems.push({ key, env: envOf.get(key), message });
    }
  }
  problems.push(...remoteSystemProblems(tree, envOf));
  const production = Object.entries(remoteSystemKeys).some(([system, keys]) =>
    keys.some((key) => {
      const value = readPath(tree, [system, key]);
      return value !== null && value !== undefined && value !== '';
    }),
  );
  if (
    readPath(tree, ['provincial', 'signIn']) === 'person' &&
    readPath(tree, ['provincial', 'redirectUri']) == null
  ) {
    problems.push({
      key: 'provincial.redirectUri',
      env: 'PROVINCIAL_REDIRECT_URI',
      message:
        'bắt buộc khi provincial.signIn là person: địa chỉ /api/auth/provincial/callback của cổng, như đã đăng ký ở SSO',
    });
  }
  // Outside demo mode the deployment brings its own keys: nothing generated on the spot.
  const keysRequired = [
    {
      section: 'audit',
      inline: 'signingKey',
      file: 'signingKeyFile',
      env: 'AUDIT_SIGNING_KEY_FILE',
      what: 'khóa Ed25519 ký các điểm kiểm tra của nhật ký kiểm toán',
    },
    {
      section: 'vault',
      inline: 'key',
      file: 'keyFile',
      env: 'VAULT_KEY_FILE',
      what: 'khóa AES-256 (32 byte, base64) mã hóa các bí mật đã lưu',
    },
  ];
  for (const required of keysRequired) {
    if (
      production &&
      readPath(tree, [required.section, required.inline]) == null &&
      readPath(tree, [required.section, required.file]) == null
    ) {
      problems.push({
        key: `${required.section}.${required.file}`,
        env: required.env,
        message: `bắt buộc ngoài chế độ demo (hoặc ${required.section}.${required.inline}): ${required.what}`,
      });
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);

  const values = result.data;
  const mode =
    values.provincial.baseUrl === null && values.national.baseUrl === null ? 'demo' : 'production';
  return deepFreeze({ ...values, mode, sources });
}

/**
 * A remote system is either fully described or not at all, and both are or neither is: half a
 * configuration would silently fall back to demo mode against real data. Checked on the raw
 * values so that it is reported together with every other problem.
 */
function remoteSystemProblems(tree: Tree, envOf: Map<string, string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const described: string[] = [];
  for (const [system, keys] of Object.entries(remoteSystemKeys)) {
    const present = keys.filter((key) => {
      const value = readPath(tree, [system, key]);
      return value !== null && value !== undefined && value !== '';
    });
    if (present.length === 0) continue;
    described.push(system);
    for (const key of keys.filter((key) => !present.includes(key as never))) {
      problems.push({
        key: `${system}.${key}`,
        env: envOf.get(`${system}.${key}`),
        message: `bắt buộc khi đã đặt một khóa ${system}.* (đã đặt: ${present.join(', ')})`,
      });
    }
  }
  if (described.length === 1) {
    const missing = described[0] === 'provincial' ? 'national' : 'provincial';
    problems.push({
      key: `${missing}.baseUrl`,
      env: envOf.get(`${missing}.baseUrl`),
      message: `bắt buộc: đã cấu hình ${described[0]}, nên cổng không ở chế độ demo và cần cả hai hệ thống`,
    });
  }
  return problems;
}

function readPath(tree: unknown, keys: readonly PropertyKey[]): unknown {
  let node = tree;
  for (const key of keys) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** A copy safe to print: secrets and the database password replaced. */
export function describeConfig(config: AppConfig): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config)) as Tree;
  for (const key of secretKeys) {
    if (readPath(copy, key.split('.')) !== null) setPath(copy, key, '[redacted]');
  }
  if (config.database.url) setPath(copy, 'database.url', redactUrl(config.database.url));
  return copy;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}
