// PostgreSQL only: the writes as server-side functions. Each write is then one statement, run in its own implicit
// transaction, so a row lock is held only for the server's own work — never across client round trips, which on a
// busy instance can stall for the time the event loop takes to come back (measured: 300 concurrent uploads to one
// connector hit a 5 s statement_timeout when the lock spanned five round trips). SQLite needs none of this: its writes
// run in-process.
//
// Every function reads and writes one tenant's rows, with the tenant id as first argument, so under Citus they can be
// distributed with create_distributed_function(..., distribution_arg_name := 'p_tenant_id').
// In READ COMMITTED, each statement inside a VOLATILE plpgsql function takes a fresh snapshot: a statement that runs
// after a lock wait sees everything the previous lock holder committed.
import type { Migration } from './index.js';

const postgres = `
CREATE TYPE connector_row AS (
  tenant_id TEXT, id TEXT, display_name TEXT, target_url TEXT, auth_kind TEXT, basic_username TEXT,
  basic_sealed_password TEXT, created_at BIGINT, updated_at BIGINT,
  seq BIGINT, thumbprint TEXT, not_before BIGINT, not_after BIGINT, sealed_key TEXT, uploaded_at BIGINT
);

-- One row per certificate (connector columns repeated), or one row with NULL certificate columns.
-- p_id NULL: every connector of the tenant.
CREATE FUNCTION connector_rows(p_tenant_id TEXT, p_id TEXT) RETURNS SETOF connector_row
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT c.tenant_id, c.id, c.display_name, c.target_url, c.auth_kind, c.basic_username, c.basic_sealed_password,
         c.created_at, c.updated_at, k.seq, k.thumbprint, k.not_before, k.not_after, k.sealed_key, k.uploaded_at
  FROM connectors c
  LEFT JOIN certificates k ON k.tenant_id = c.tenant_id AND k.connector_id = c.id
  WHERE c.tenant_id = p_tenant_id AND (p_id IS NULL OR c.id = p_id)
  ORDER BY c.created_at, c.id, k.seq
$$;

-- Inserts certificates with seqs p_first_seq, p_first_seq + 1, ... in array order.
CREATE FUNCTION insert_certificates(
  p_tenant_id TEXT, p_id TEXT, p_first_seq BIGINT, p_now BIGINT,
  p_thumbprints TEXT[], p_not_befores BIGINT[], p_not_afters BIGINT[], p_sealed_keys TEXT[]
) RETURNS void LANGUAGE sql SET search_path FROM CURRENT AS $$
  INSERT INTO certificates (tenant_id, connector_id, seq, thumbprint, not_before, not_after, sealed_key, uploaded_at)
  SELECT p_tenant_id, p_id, p_first_seq + t.ordinality - 1, t.thumbprint, t.not_before, t.not_after, t.sealed_key, p_now
  FROM unnest(p_thumbprints, p_not_befores, p_not_afters, p_sealed_keys)
    WITH ORDINALITY AS t (thumbprint, not_before, not_after, sealed_key, ordinality)
$$;

-- Raises SQLSTATE ACDUP (id taken) or ACLIM (tenant at its limit); the tenant's row lock serialises creates.
CREATE FUNCTION create_connector(
  p_tenant_id TEXT, p_id TEXT, p_display_name TEXT, p_target_url TEXT,
  p_auth_kind TEXT, p_basic_username TEXT, p_basic_sealed_password TEXT, p_now BIGINT, p_max_per_tenant BIGINT,
  p_thumbprints TEXT[], p_not_befores BIGINT[], p_not_afters BIGINT[], p_sealed_keys TEXT[]
) RETURNS SETOF connector_row LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO tenants (tenant_id, created_at) VALUES (p_tenant_id, p_now) ON CONFLICT (tenant_id) DO NOTHING;
  PERFORM 1 FROM tenants WHERE tenant_id = p_tenant_id FOR UPDATE;
  IF EXISTS (SELECT 1 FROM connectors WHERE tenant_id = p_tenant_id AND id = p_id) THEN
    RAISE EXCEPTION 'connector id already exists' USING ERRCODE = 'ACDUP';
  END IF;
  IF (SELECT count(*) FROM connectors WHERE tenant_id = p_tenant_id) >= p_max_per_tenant THEN
    RAISE EXCEPTION 'tenant connector limit reached' USING ERRCODE = 'ACLIM';
  END IF;
  INSERT INTO connectors (tenant_id, id, display_name, target_url, auth_kind, basic_username, basic_sealed_password,
    last_cert_seq, created_at, updated_at)
  VALUES (p_tenant_id, p_id, p_display_name, p_target_url, p_auth_kind, p_basic_username, p_basic_sealed_password,
    coalesce(cardinality(p_thumbprints), 0), p_now, p_now);
  PERFORM insert_certificates(p_tenant_id, p_id, 1, p_now, p_thumbprints, p_not_befores, p_not_afters, p_sealed_keys);
  RETURN QUERY SELECT * FROM connector_rows(p_tenant_id, p_id);
END
$$;

-- NULL p_display_name / p_target_url: unchanged. p_set_auth: replace the authentication configuration.
-- Returns no rows when the connector does not exist.
CREATE FUNCTION update_connector(
  p_tenant_id TEXT, p_id TEXT, p_display_name TEXT, p_target_url TEXT, p_now BIGINT,
  p_set_auth BOOLEAN, p_auth_kind TEXT, p_basic_username TEXT, p_basic_sealed_password TEXT,
  p_thumbprints TEXT[], p_not_befores BIGINT[], p_not_afters BIGINT[], p_sealed_keys TEXT[]
) RETURNS SETOF connector_row LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_new_certs BIGINT := coalesce(cardinality(p_thumbprints), 0);
  v_last_seq BIGINT;
BEGIN
  -- Takes the row lock first; the new list continues the seq counter (seqs are never reused within a connector).
  UPDATE connectors SET
    display_name = coalesce(p_display_name, display_name),
    target_url = coalesce(p_target_url, target_url),
    auth_kind = CASE WHEN p_set_auth THEN p_auth_kind ELSE auth_kind END,
    basic_username = CASE WHEN p_set_auth THEN p_basic_username ELSE basic_username END,
    basic_sealed_password = CASE WHEN p_set_auth THEN p_basic_sealed_password ELSE basic_sealed_password END,
    last_cert_seq = last_cert_seq + v_new_certs,
    updated_at = p_now
  WHERE tenant_id = p_tenant_id AND id = p_id
  RETURNING last_cert_seq INTO v_last_seq;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF p_set_auth THEN
    DELETE FROM certificates WHERE tenant_id = p_tenant_id AND connector_id = p_id;
    PERFORM insert_certificates(p_tenant_id, p_id, v_last_seq - v_new_certs + 1, p_now,
      p_thumbprints, p_not_befores, p_not_afters, p_sealed_keys);
  END IF;
  RETURN QUERY SELECT * FROM connector_rows(p_tenant_id, p_id);
END
$$;

-- Locks the row, claims the next seq, switches to certificate auth (dropping basic credentials), appends.
-- Returns no rows when the connector does not exist.
CREATE FUNCTION append_certificate(
  p_tenant_id TEXT, p_id TEXT, p_thumbprint TEXT, p_not_before BIGINT, p_not_after BIGINT, p_sealed_key TEXT,
  p_now BIGINT
) RETURNS SETOF connector_row LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_seq BIGINT;
BEGIN
  UPDATE connectors SET last_cert_seq = last_cert_seq + 1, auth_kind = 'certificate',
    basic_username = NULL, basic_sealed_password = NULL, updated_at = p_now
  WHERE tenant_id = p_tenant_id AND id = p_id
  RETURNING last_cert_seq INTO v_seq;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  INSERT INTO certificates (tenant_id, connector_id, seq, thumbprint, not_before, not_after, sealed_key, uploaded_at)
  VALUES (p_tenant_id, p_id, v_seq, p_thumbprint, p_not_before, p_not_after, p_sealed_key, p_now);
  RETURN QUERY SELECT * FROM connector_rows(p_tenant_id, p_id);
END
$$;
`;

export const pgWriteFunctions: Migration = { version: 2, name: 'postgres write functions', sqlite: '', postgres };
