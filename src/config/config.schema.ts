import { z } from 'zod';

// Environment values arrive as strings; YAML values arrive typed. Both pass through these.
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const flag = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  if (/^(true|1|yes|on)$/i.test(value)) return true;
  if (/^(false|0|no|off)$/i.test(value)) return false;
  return value;
}, z.boolean());
const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'phải là URL http hoặc https');
const optionalUrl = httpUrl.nullable().default(null);
const optionalText = z.string().min(1).nullable().default(null);

const rate = z.number().min(0).max(1);
const milliseconds = z.number().int().min(0);
// Faults a simulator injects from its start (docs/simulators.md); changed later through /__admin/faults.
const faultSettings = z
  .object({
    latencyMs: milliseconds,
    jitterMs: milliseconds,
    errorRate: rate,
    errorStatuses: z.array(z.union([z.literal(500), z.literal(502), z.literal(503)])).min(1),
    throttleRate: rate,
    retryAfterSeconds: z.number().int().min(0),
    timeoutRate: rate,
    timeoutMs: milliseconds,
    dropAfterStoreRate: rate,
    returnRate: rate,
    driftRate: rate,
    maxConcurrent: z.number().int().min(0),
    maxRequestsPerSecond: z.number().int().min(0),
    outageUntil: z.string().datetime().nullable(),
  })
  .partial()
  .strict()
  .default({});

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(3000),
        /** The largest request body taken (JSON or a form); larger ones are refused with 413. */
        bodyLimitBytes: positiveInt.default(1_048_576),
        /** Requests a caller may make per minute on this replica (0: no limit); over it, 429. */
        rateLimitPerMinute: z.coerce.number().int().min(0).default(600),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info'),
        format: z.enum(['auto', 'json', 'pretty']).default('auto'),
      })
      .strict()
      .prefault({}),
    database: z
      .object({
        url: z
          .string()
          .refine((value) => /^postgres(ql)?:\/\//.test(value), 'phải là URL postgres://')
          .nullable()
          .default(null),
        poolSize: positiveInt.default(10),
        migrationsRun: flag.default(true),
        embedded: z
          .object({
            dataDir: z.string().min(1).default('.data/postgres'),
            port: port.default(0),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    provincial: z
      .object({
        baseUrl: optionalUrl,
        ssoIssuer: optionalUrl,
        clientId: optionalText,
        clientSecret: optionalText,
        scope: z.string().min(1).default('baocao.read'),
        maxConcurrent: z.coerce.number().int().min(0).default(8),
        maxRequestsPerSecond: z.coerce.number().int().min(0).default(20),
        /** service: the gateway's own account (client credentials); person: an operator's sign-in. */
        signIn: z.enum(['service', 'person']).default('service'),
        /** The gateway's callback for a person's sign-in, as registered at the SSO. */
        redirectUri: optionalUrl,
      })
      .strict()
      .prefault({}),
    national: z
      .object({
        baseUrl: optionalUrl,
        idpIssuer: optionalUrl,
        scope: z.string().min(1).default('baocao'),
        maxConcurrent: z.coerce.number().int().min(0).default(16),
        maxRequestsPerSecond: z.coerce.number().int().min(0).default(20),
        /** PEM bundle of the roots the national system trusts for unit signatures. */
        signingTrustAnchorsFile: z.string().min(1).nullable().default(null),
      })
      .strict()
      .prefault({}),
    simulators: z
      .object({
        ports: z
          .object({
            provincialReports: port.default(4010),
            provincialSso: port.default(4011),
            nationalReports: port.default(4020),
            nationalIdp: port.default(4021),
          })
          .strict()
          .prefault({}),
        /** Demo mode's local mailbox (SMTP) for the notifications, kept in .data/mailbox/. */
        mailboxPort: port.default(4025),
        seed: z.coerce.number().int().default(51),
        dataFile: z.string().min(1).nullable().default(null),
        accessTokenTtlSeconds: positiveInt.default(600),
        faults: z
          .object({
            provincialReports: faultSettings,
            provincialSso: faultSettings,
            nationalReports: faultSettings,
            nationalIdp: faultSettings,
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    security: z
      .object({
        allowPlainHttpLoopback: flag.default(false),
      })
      .strict()
      .prefault({}),
    outbound: z
      .object({
        caFile: z.string().min(1).nullable().default(null),
        httpsProxy: optionalUrl,
        noProxy: z
          .preprocess(
            (value) =>
              typeof value === 'string'
                ? value
                    .split(',')
                    .map((host) => host.trim())
                    .filter(Boolean)
                : value,
            z.array(z.string().min(1)),
          )
          .default([]),
        circuitFailures: positiveInt.default(5),
        circuitCooldownMs: positiveInt.default(30_000),
      })
      .strict()
      .prefault({}),
    access: z
      .object({
        issuer: optionalUrl,
        audience: z.string().min(1).default('urn:baocao:gateway-api'),
        roleClaim: z.string().min(1).default('role'),
        /** A claim that limits a person to one district (its code) and the units under it. */
        districtClaim: z.string().min(1).default('district'),
        /** A claim that limits a person to one unit (its code). */
        unitClaim: z.string().min(1).default('unit'),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        /** /metrics in Prometheus' text format (docs/operations.md). */
        enabled: flag.default(true),
        /** A port of its own, open to whoever reaches it (Prometheus); unset: on the API's port, behind its tokens. */
        port: port.nullable().default(null),
        host: z.string().min(1).default('127.0.0.1'),
        /** How often this replica verifies the audit chain from its last checkpoint, for the metric. */
        auditVerifySeconds: positiveInt.default(300),
      })
      .strict()
      .prefault({}),
    notifications: z
      .object({
        /** Mail and webhook messages to people (docs/operations.md). */
        enabled: flag.default(false),
        /** smtp://user:pass@host:port or smtps://…; unset: no mail. */
        smtpUrl: z
          .string()
          .refine((value) => /^smtps?:\/\//.test(value), 'phải là URL smtp:// hoặc smtps://')
          .nullable()
          .default(null),
        from: z
          .string()
          .min(1)
          .default('Cổng chuyển báo cáo Quảng Ngãi <baocao-gateway@localhost>'),
        /** Who receives every message (the provincial office's operators). */
        operators: z
          .preprocess(
            (value) =>
              typeof value === 'string'
                ? value
                    .split(',')
                    .map((address) => address.trim())
                    .filter(Boolean)
                : value,
            z.array(z.string().email()),
          )
          .default([]),
        /** Each message is also POSTed here as JSON, signed with webhookSecret (HMAC-SHA256). */
        webhookUrl: optionalUrl,
        webhookSecret: optionalText,
        /** How often causes are looked for. */
        intervalSeconds: positiveInt.default(60),
        /** Messages sent at most per minute by a replica; the rest wait for the next look. */
        maxPerMinute: positiveInt.default(30),
        /** A unit's or a district's own contacts (code → addresses), besides the operators. */
        contacts: z.record(z.string().min(1), z.array(z.string().email())).default({}),
        /** The hour (Vietnam time) from which each district's daily digest goes. */
        digestHour: z.coerce.number().int().min(0).max(23).default(7),
      })
      .strict()
      .prefault({}),
    console: z
      .object({
        /** The console at / (off: the gateway serves its API only). */
        enabled: flag.default(true),
        /** The console's client at SSO Quảng Ngãi (authorization code with PKCE). */
        clientId: optionalText,
        clientSecret: optionalText,
        /** Where the SSO sends people back: https://<gateway>/auth/callback, as registered there. */
        redirectUri: optionalUrl,
        /** A session unused this long ends. */
        idleMinutes: positiveInt.default(30),
        /** A session ends this long after sign-in, used or not. */
        maxHours: positiveInt.default(12),
        /** How often the gateway asks the SSO whether the person's session still stands. */
        ssoCheckSeconds: positiveInt.default(60),
        /** auto: Secure cookies unless the console is reached on a loopback address. */
        secureCookies: z.enum(['auto', 'always', 'never']).default('auto'),
        /** A unit with nothing confirmed this many days before its deadline is at risk. */
        atRiskDays: z.coerce.number().int().min(0).max(60).default(3),
      })
      .strict()
      .prefault({}),
    audit: z
      .object({
        signingKey: z.string().min(1).nullable().default(null),
        signingKeyFile: z.string().min(1).nullable().default(null),
        checkpointEvery: positiveInt.default(1000),
        flushIntervalMs: positiveInt.default(200),
        retentionDays: positiveInt.nullable().default(null),
        archiveDir: z.string().min(1).default('.data/audit/archive'),
      })
      .strict()
      .prefault({}),
    transfers: z
      .object({
        /** The schedule's ticks; the API and the CLI work either way. */
        scheduleEnabled: flag.default(true),
        /** This process works the job queues (off: it only serves the API, as the CLI does). */
        workers: flag.default(true),
        timezone: z.string().min(1).default('Asia/Ho_Chi_Minh'),
        schedule: z
          .object({
            plan: z.string().min(1).default('*/10 * * * *'),
            push: z.string().min(1).default('* * * * *'),
            reconcile: z.string().min(1).default('30 2 * * *'),
          })
          .strict()
          .prefault({}),
        /** Quarters the plan tick syncs: the current one and this many before it. */
        periodsBack: z.coerce.number().int().min(0).max(8).default(1),
        retryLimit: positiveInt.default(8),
        backoffBaseMs: positiveInt.default(2_000),
        backoffMaxMs: positiveInt.default(600_000),
        /** How long a replica holds a transfer it pushes; a killed replica's hold runs out then. */
        leaseSeconds: positiveInt.default(120),
        /** Transfers pushed at once by one replica. */
        pushConcurrency: positiveInt.default(8),
        /** When a district's summary goes: after its children are confirmed, also at its deadline, or at once. */
        summaryPolicy: z
          .enum(['children-or-deadline', 'children', 'immediately'])
          .default('children-or-deadline'),
        /** Reconciliation pushes a confirmed transfer again when the national copy is missing. */
        repushMissing: flag.default(true),
      })
      .strict()
      .prefault({}),
    vault: z
      .object({
        key: z.string().min(1).nullable().default(null),
        keyFile: z.string().min(1).nullable().default(null),
      })
      .strict()
      .prefault({}),
    shutdown: z
      .object({
        graceMs: positiveInt.default(10_000),
      })
      .strict()
      .prefault({}),
    workbooks: z
      .object({
        /** The province's people's committee: the receiving unit of departments and districts. */
        province: z.string().min(1).default('Ủy ban nhân dân tỉnh Quảng Ngãi'),
        /** The place of the place-and-date line above the signatures. */
        place: z.string().min(1).default('Quảng Ngãi'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The keys that describe each remote system; a system is described fully or not at all. */
export const remoteSystemKeys = {
  provincial: ['baseUrl', 'ssoIssuer', 'clientId', 'clientSecret'],
  national: ['baseUrl', 'idpIssuer'],
} as const;

export type ConfigValues = z.infer<typeof configSchema>;

/** Every environment variable the gateway reads, and the config key it sets. */
export const environmentKeys: Readonly<Record<string, string>> = {
  HOST: 'server.host',
  PORT: 'server.port',
  SERVER_BODY_LIMIT_BYTES: 'server.bodyLimitBytes',
  SERVER_RATE_LIMIT_PER_MINUTE: 'server.rateLimitPerMinute',
  LOG_LEVEL: 'log.level',
  LOG_FORMAT: 'log.format',
  DATABASE_URL: 'database.url',
  WORKBOOKS_PROVINCE: 'workbooks.province',
  WORKBOOKS_PLACE: 'workbooks.place',
  DATABASE_POOL_SIZE: 'database.poolSize',
  DATABASE_MIGRATIONS_RUN: 'database.migrationsRun',
  EMBEDDED_PG_DATA_DIR: 'database.embedded.dataDir',
  EMBEDDED_PG_PORT: 'database.embedded.port',
  PROVINCIAL_BASE_URL: 'provincial.baseUrl',
  PROVINCIAL_SSO_ISSUER: 'provincial.ssoIssuer',
  PROVINCIAL_CLIENT_ID: 'provincial.clientId',
  PROVINCIAL_CLIENT_SECRET: 'provincial.clientSecret',
  PROVINCIAL_SCOPE: 'provincial.scope',
  PROVINCIAL_SIGN_IN: 'provincial.signIn',
  PROVINCIAL_REDIRECT_URI: 'provincial.redirectUri',
  ALLOW_PLAIN_HTTP_LOOPBACK: 'security.allowPlainHttpLoopback',
  OUTBOUND_CA_FILE: 'outbound.caFile',
  HTTPS_PROXY: 'outbound.httpsProxy',
  NO_PROXY: 'outbound.noProxy',
  OUTBOUND_CIRCUIT_FAILURES: 'outbound.circuitFailures',
  OUTBOUND_CIRCUIT_COOLDOWN_MS: 'outbound.circuitCooldownMs',
  PROVINCIAL_MAX_CONCURRENT: 'provincial.maxConcurrent',
  PROVINCIAL_MAX_REQUESTS_PER_SECOND: 'provincial.maxRequestsPerSecond',
  NATIONAL_MAX_CONCURRENT: 'national.maxConcurrent',
  NATIONAL_MAX_REQUESTS_PER_SECOND: 'national.maxRequestsPerSecond',
  ACCESS_ISSUER: 'access.issuer',
  ACCESS_AUDIENCE: 'access.audience',
  ACCESS_ROLE_CLAIM: 'access.roleClaim',
  ACCESS_DISTRICT_CLAIM: 'access.districtClaim',
  ACCESS_UNIT_CLAIM: 'access.unitClaim',
  METRICS_ENABLED: 'metrics.enabled',
  METRICS_PORT: 'metrics.port',
  METRICS_HOST: 'metrics.host',
  METRICS_AUDIT_VERIFY_SECONDS: 'metrics.auditVerifySeconds',
  NOTIFICATIONS_ENABLED: 'notifications.enabled',
  NOTIFICATIONS_SMTP_URL: 'notifications.smtpUrl',
  NOTIFICATIONS_FROM: 'notifications.from',
  NOTIFICATIONS_OPERATORS: 'notifications.operators',
  NOTIFICATIONS_WEBHOOK_URL: 'notifications.webhookUrl',
  NOTIFICATIONS_WEBHOOK_SECRET: 'notifications.webhookSecret',
  NOTIFICATIONS_INTERVAL_SECONDS: 'notifications.intervalSeconds',
  NOTIFICATIONS_MAX_PER_MINUTE: 'notifications.maxPerMinute',
  NOTIFICATIONS_DIGEST_HOUR: 'notifications.digestHour',
  CONSOLE_ENABLED: 'console.enabled',
  CONSOLE_CLIENT_ID: 'console.clientId',
  CONSOLE_CLIENT_SECRET: 'console.clientSecret',
  CONSOLE_REDIRECT_URI: 'console.redirectUri',
  CONSOLE_IDLE_MINUTES: 'console.idleMinutes',
  CONSOLE_MAX_HOURS: 'console.maxHours',
  CONSOLE_SSO_CHECK_SECONDS: 'console.ssoCheckSeconds',
  CONSOLE_SECURE_COOKIES: 'console.secureCookies',
  CONSOLE_AT_RISK_DAYS: 'console.atRiskDays',
  NATIONAL_BASE_URL: 'national.baseUrl',
  NATIONAL_IDP_ISSUER: 'national.idpIssuer',
  NATIONAL_SCOPE: 'national.scope',
  NATIONAL_SIGNING_TRUST_ANCHORS_FILE: 'national.signingTrustAnchorsFile',
  SHUTDOWN_GRACE_MS: 'shutdown.graceMs',
  TRANSFERS_SCHEDULE_ENABLED: 'transfers.scheduleEnabled',
  TRANSFERS_WORKERS: 'transfers.workers',
  TRANSFERS_TIMEZONE: 'transfers.timezone',
  TRANSFERS_SCHEDULE_PLAN: 'transfers.schedule.plan',
  TRANSFERS_SCHEDULE_PUSH: 'transfers.schedule.push',
  TRANSFERS_SCHEDULE_RECONCILE: 'transfers.schedule.reconcile',
  TRANSFERS_PERIODS_BACK: 'transfers.periodsBack',
  TRANSFERS_RETRY_LIMIT: 'transfers.retryLimit',
  TRANSFERS_BACKOFF_BASE_MS: 'transfers.backoffBaseMs',
  TRANSFERS_BACKOFF_MAX_MS: 'transfers.backoffMaxMs',
  TRANSFERS_PUSH_CONCURRENCY: 'transfers.pushConcurrency',
  TRANSFERS_LEASE_SECONDS: 'transfers.leaseSeconds',
  TRANSFERS_REPUSH_MISSING: 'transfers.repushMissing',
  TRANSFERS_SUMMARY_POLICY: 'transfers.summaryPolicy',
  VAULT_KEY: 'vault.key',
  VAULT_KEY_FILE: 'vault.keyFile',
  AUDIT_SIGNING_KEY: 'audit.signingKey',
  AUDIT_SIGNING_KEY_FILE: 'audit.signingKeyFile',
  AUDIT_CHECKPOINT_EVERY: 'audit.checkpointEvery',
  AUDIT_FLUSH_INTERVAL_MS: 'audit.flushIntervalMs',
  AUDIT_RETENTION_DAYS: 'audit.retentionDays',
  AUDIT_ARCHIVE_DIR: 'audit.archiveDir',
  SIMULATOR_PROVINCIAL_REPORTS_PORT: 'simulators.ports.provincialReports',
  SIMULATOR_PROVINCIAL_SSO_PORT: 'simulators.ports.provincialSso',
  SIMULATOR_NATIONAL_REPORTS_PORT: 'simulators.ports.nationalReports',
  SIMULATOR_NATIONAL_IDP_PORT: 'simulators.ports.nationalIdp',
  SIMULATOR_SEED: 'simulators.seed',
  SIMULATOR_MAILBOX_PORT: 'simulators.mailboxPort',
  SIMULATOR_DATA_FILE: 'simulators.dataFile',
  SIMULATOR_TOKEN_TTL_SECONDS: 'simulators.accessTokenTtlSeconds',
};

/** Keys whose values are secrets: never printed, never logged. */
export const secretKeys: ReadonlySet<string> = new Set([
  'provincial.clientSecret',
  'console.clientSecret',
  'notifications.smtpUrl',
  'notifications.webhookSecret',
  'audit.signingKey',
  'vault.key',
]);
