// A thumbprint appears at most once per connector (docs/parity.md: a re-upload is refused). The index makes that
// hold under concurrent uploads of the same file, where a check before the insert would race.
import type { Migration } from './index.js';

const sql = `CREATE UNIQUE INDEX certificates_unique_thumbprint ON certificates (tenant_id, connector_id, thumbprint);`;

export const uniqueThumbprint: Migration = {
  version: 3,
  name: 'unique thumbprint per connector',
  sqlite: sql,
  postgres: sql,
};
