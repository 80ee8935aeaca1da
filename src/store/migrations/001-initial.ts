// Initial schema. Every table is keyed by tenant_id first, and every foreign key includes it, so the tables can be
// distributed by tenant (e.g. Citus: distribute tenants, connectors and certificates on tenant_id, colocated).
// Times are milliseconds or Unix seconds in 64-bit integers (notAfter may exceed 2^31).
import type { Migration } from './index.js';

// SQLite: STRICT tables enforce column types (a 1.5 or a string never lands in an INTEGER column).
const sqlite = `
CREATE TABLE tenants (
  tenant_id TEXT NOT NULL PRIMARY KEY,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE connectors (
  tenant_id TEXT NOT NULL REFERENCES tenants (tenant_id),
  id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  target_url TEXT NOT NULL,
  auth_kind TEXT NOT NULL,
  basic_username TEXT,
  basic_sealed_password TEXT,
  last_cert_seq INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id),
  CHECK (
    (auth_kind = 'basic' AND basic_username IS NOT NULL AND basic_sealed_password IS NOT NULL) OR
    (auth_kind = 'certificate' AND basic_username IS NULL AND basic_sealed_password IS NULL)
  )
) STRICT;

CREATE INDEX connectors_by_creation ON connectors (tenant_id, created_at, id);

CREATE TABLE certificates (
  tenant_id TEXT NOT NULL,
  connector_id TEXT NOT NULL,
  seq INTEGER NOT NULL CHECK (seq > 0),
  thumbprint TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  sealed_key TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, connector_id, seq),
  FOREIGN KEY (tenant_id, connector_id) REFERENCES connectors (tenant_id, id) ON DELETE CASCADE
) STRICT;
`;

const postgres = `
CREATE TABLE tenants (
  tenant_id TEXT NOT NULL PRIMARY KEY,
  created_at BIGINT NOT NULL
);

CREATE TABLE connectors (
  tenant_id TEXT NOT NULL REFERENCES tenants (tenant_id),
  id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  target_url TEXT NOT NULL,
  auth_kind TEXT NOT NULL,
  basic_username TEXT,
  basic_sealed_password TEXT,
  last_cert_seq BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, id),
  CHECK (
    (auth_kind = 'basic' AND basic_username IS NOT NULL AND basic_sealed_password IS NOT NULL) OR
    (auth_kind = 'certificate' AND basic_username IS NULL AND basic_sealed_password IS NULL)
  )
);

CREATE INDEX connectors_by_creation ON connectors (tenant_id, created_at, id);

CREATE TABLE certificates (
  tenant_id TEXT NOT NULL,
  connector_id TEXT NOT NULL,
  seq BIGINT NOT NULL CHECK (seq > 0),
  thumbprint TEXT NOT NULL,
  not_before BIGINT NOT NULL,
  not_after BIGINT NOT NULL,
  sealed_key TEXT NOT NULL,
  uploaded_at BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, connector_id, seq),
  FOREIGN KEY (tenant_id, connector_id) REFERENCES connectors (tenant_id, id) ON DELETE CASCADE
);
`;

export const initialSchema: Migration = { version: 1, name: 'initial schema', sqlite, postgres };
