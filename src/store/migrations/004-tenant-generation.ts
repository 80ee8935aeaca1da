// A per-tenant generation number that every write to a tenant's connectors or certificates increases, in the same
// transaction as the write (triggers, so no write path can forget it). Instances cache a tenant's rows and check
// the generation before using them (src/connectors/read-cache.ts): one cheap read instead of the full one, and a
// write through any instance is seen by every other at once.
import type { Migration } from './index.js';

const tables = ['connectors', 'certificates'] as const;
const operations = ['INSERT', 'UPDATE', 'DELETE'] as const;

const sqliteTriggers = tables
  .flatMap((table) =>
    operations.map((op) => {
      const row = op === 'DELETE' ? 'OLD' : 'NEW';
      return `CREATE TRIGGER ${table}_${op.toLowerCase()}_generation AFTER ${op} ON ${table} BEGIN
  UPDATE tenants SET generation = generation + 1 WHERE tenant_id = ${row}.tenant_id;
END;`;
    }),
  )
  .join('\n');

const sqlite = `
ALTER TABLE tenants ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
${sqliteTriggers}
`;

const postgres = `
ALTER TABLE tenants ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_tenant_generation() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE tenants SET generation = generation + 1
  WHERE tenant_id = CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
  RETURN NULL;
END
$$;

${tables
  .map(
    (table) =>
      `CREATE TRIGGER ${table}_generation AFTER INSERT OR UPDATE OR DELETE ON ${table}
  FOR EACH ROW EXECUTE FUNCTION bump_tenant_generation();`,
  )
  .join('\n')}
`;

export const tenantGeneration: Migration = {
  version: 4,
  name: 'tenant generation',
  sqlite,
  postgres,
};
