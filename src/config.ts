// Configuration: every setting has an environment variable, most a CLI flag (flags win), and a documented default.
// The README's configuration table mirrors SETTINGS below.

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** postgres://... selects PostgreSQL; unset means embedded SQLite in dataDir. */
  databaseUrl: string | undefined;
  /** base64 of 32 bytes; unset means a key file generated in dataDir. */
  kek: string | undefined;
  logLevel: string;
  maxConnectorsPerTenant: number;
  readCacheTenants: number;
  decodeThreads: number;
  decodeNice: number;
  bodyLimit: number;
  pfxMaxBytes: number;
  pfxMaxIterations: number;
  odataContextBase: string;
  pgPoolSize: number;
  pgStatementTimeoutMs: number;
  /** PostgreSQL schema (search_path) for this deployment's tables; created if missing. */
  pgSchema: string | undefined;
  authMode: 'development' | 'production';
  /** 'entra', inline JSON, or a JSON file path (docs/auth.md). */
  authTrustedIssuers: string | undefined;
  /** Comma-separated extra accepted `aud` values. */
  authAudiences: string | undefined;
  /** Comma-separated public URLs of this server (accepted as `aud` and as dev-issuer origins). */
  publicUrl: string | undefined;
  authDevConfig: string | undefined;
  https: boolean;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  tlsPfx: string | undefined;
  tlsPfxPassword: string | undefined;
}

interface Setting {
  key: keyof Config;
  env: string;
  flag: string;
  description: string;
  default: string | number | undefined;
  type: 'string' | 'int' | 'bool';
  choices?: string[];
  /** int only: the largest value accepted. */
  max?: number;
}

export const SETTINGS: Setting[] = [
  {
    key: 'host',
    env: 'HOST',
    flag: '--host',
    type: 'string',
    default: '127.0.0.1',
    description: 'Interface to listen on',
  },
  {
    key: 'port',
    env: 'PORT',
    flag: '--port',
    type: 'int',
    default: 8080,
    description: 'TCP port (0 picks a free one)',
  },
  {
    key: 'dataDir',
    env: 'DATA_DIR',
    flag: '--data-dir',
    type: 'string',
    default: './data',
    description: 'SQLite database, key files',
  },
  {
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    flag: '--database-url',
    type: 'string',
    default: undefined,
    description: 'postgres://… selects PostgreSQL instead of SQLite',
  },
  {
    key: 'kek',
    env: 'API_CONNECTORS_KEK',
    flag: '--kek',
    type: 'string',
    default: undefined,
    description: 'Key-encryption key, base64 of 32 bytes (default: DATA_DIR/kek.key, generated)',
  },
  {
    key: 'logLevel',
    env: 'LOG_LEVEL',
    flag: '--log-level',
    type: 'string',
    default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent',
  },
  {
    key: 'maxConnectorsPerTenant',
    env: 'MAX_CONNECTORS_PER_TENANT',
    flag: '--max-connectors',
    type: 'int',
    default: 20,
    description: "Per-tenant limit (Graph's documented limit is 20)",
  },
  {
    key: 'readCacheTenants',
    env: 'READ_CACHE_TENANTS',
    flag: '--read-cache-tenants',
    type: 'int',
    default: 1000,
    description:
      "Tenants whose connectors (and rendered responses, up to ~50 KB per tenant) an instance keeps for reads, checked against the store's generation on every read (never stale across instances); 0 disables",
  },
  {
    key: 'decodeThreads',
    env: 'DECODE_THREADS',
    flag: '--decode-threads',
    type: 'int',
    default: 0,
    description: 'Worker threads that decode uploaded PKCS#12 files; 0 means one per CPU core',
  },
  {
    key: 'decodeNice',
    env: 'DECODE_NICE',
    flag: '--decode-nice',
    type: 'int',
    max: 19,
    default: 10,
    description:
      'Nice increment of the decode threads (Linux, 0-19), so request handling wins the CPU over decoding; 0 keeps normal priority',
  },
  {
    key: 'bodyLimit',
    env: 'BODY_LIMIT',
    flag: '--body-limit',
    type: 'int',
    default: 1_048_576,
    description: 'Largest request body in bytes (413 above)',
  },
  {
    key: 'pfxMaxBytes',
    env: 'PFX_MAX_BYTES',
    flag: '--pfx-max-bytes',
    type: 'int',
    default: 65_536,
    description: 'Largest decoded PKCS#12 file in bytes',
  },
  {
    key: 'pfxMaxIterations',
    env: 'PFX_MAX_ITERATIONS',
    flag: '--pfx-max-iterations',
    type: 'int',
    default: 1_000_000,
    description: 'Largest KDF iteration count accepted in a PKCS#12 file',
  },
  {
    key: 'odataContextBase',
    env: 'ODATA_CONTEXT_BASE',
    flag: '--odata-context-base',
    type: 'string',
    default: 'https://graph.microsoft.com',
    description: 'Base URL of @odata.context values',
  },
  {
    key: 'pgPoolSize',
    env: 'PG_POOL_SIZE',
    flag: '--pg-pool-size',
    type: 'int',
    default: 10,
    description: 'PostgreSQL connections per instance',
  },
  {
    key: 'pgStatementTimeoutMs',
    env: 'PG_STATEMENT_TIMEOUT_MS',
    flag: '--pg-statement-timeout',
    type: 'int',
    default: 5000,
    description: 'PostgreSQL statement timeout in milliseconds',
  },
  {
    key: 'pgSchema',
    env: 'PG_SCHEMA',
    flag: '--pg-schema',
    type: 'string',
    default: undefined,
    description: 'PostgreSQL schema for the tables (default: the search_path, normally public)',
  },
  {
    key: 'authMode',
    env: 'AUTH_MODE',
    flag: '--auth-mode',
    type: 'string',
    choices: ['development', 'production'],
    default: 'development',
    description: 'development: built-in token issuer on the same port; production: trusted issuers only',
  },
  {
    key: 'authTrustedIssuers',
    env: 'AUTH_TRUSTED_ISSUERS',
    flag: '--trusted-issuers',
    type: 'string',
    default: undefined,
    description: "Trusted token issuers: 'entra', inline JSON, or a JSON file (docs/auth.md)",
  },
  {
    key: 'authAudiences',
    env: 'AUTH_AUDIENCES',
    flag: '--audiences',
    type: 'string',
    default: undefined,
    description: 'Extra accepted token audiences, comma-separated',
  },
  {
    key: 'publicUrl',
    env: 'PUBLIC_URL',
    flag: '--public-url',
    type: 'string',
    default: undefined,
    description: 'Public URL(s) of this server, comma-separated (token audience, issuer origin)',
  },
  {
    key: 'authDevConfig',
    env: 'AUTH_DEV_CONFIG',
    flag: '--dev-config',
    type: 'string',
    default: undefined,
    description: 'Development issuer: JSON file of extra tenants and clients',
  },
  {
    key: 'https',
    env: 'HTTPS',
    flag: '--https',
    type: 'bool',
    default: 'false',
    description: 'Serve TLS (a development certificate is generated in DATA_DIR/tls unless --cert/--key or --pfx)',
  },
  {
    key: 'tlsCert',
    env: 'TLS_CERT',
    flag: '--cert',
    type: 'string',
    default: undefined,
    description: 'PEM certificate file for --https',
  },
  {
    key: 'tlsKey',
    env: 'TLS_KEY',
    flag: '--key',
    type: 'string',
    default: undefined,
    description: 'PEM private key file for --https',
  },
  {
    key: 'tlsPfx',
    env: 'TLS_PFX',
    flag: '--pfx',
    type: 'string',
    default: undefined,
    description: 'PKCS#12 file for --https (instead of --cert/--key)',
  },
  {
    key: 'tlsPfxPassword',
    env: 'TLS_PFX_PASSWORD',
    flag: '--pfx-password',
    type: 'string',
    default: undefined,
    description: 'Password of --pfx',
  },
];

export class ConfigError extends Error {}

/** Resolves each setting from flags (already parsed, keyed by Config key), then the environment, then the default. */
export function resolveConfig(
  flags: Partial<Record<keyof Config, string | number | boolean | undefined>> = {},
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const config: Record<string, string | number | boolean | undefined> = {};
  for (const setting of SETTINGS) {
    const given = flags[setting.key] ?? env[setting.env];
    const raw = given === undefined || given === '' ? setting.default : given;
    if (raw === undefined) {
      config[setting.key] = undefined;
      continue;
    }
    if (setting.type === 'bool') {
      const text = String(raw).toLowerCase();
      if (!['1', '0', 'true', 'false', 'yes', 'no'].includes(text)) {
        throw new ConfigError(`${setting.env} (${setting.flag}) must be true or false, got '${raw}'.`);
      }
      config[setting.key] = ['1', 'true', 'yes'].includes(text);
    } else if (setting.type === 'int') {
      const value = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isInteger(value) || value < 0) {
        throw new ConfigError(`${setting.env} (${setting.flag}) must be a non-negative integer, got '${raw}'.`);
      }
      if (setting.max !== undefined && value > setting.max) {
        throw new ConfigError(`${setting.env} (${setting.flag}) must be at most ${setting.max}, got '${raw}'.`);
      }
      config[setting.key] = value;
    } else {
      if (setting.choices && !setting.choices.includes(String(raw))) {
        throw new ConfigError(
          `${setting.env} (${setting.flag}) must be one of ${setting.choices.join(', ')}, got '${raw}'.`,
        );
      }
      config[setting.key] = String(raw);
    }
  }
  return config as unknown as Config;
}
