// Versioned migrations, applied in order and recorded in `schema_migrations`. Each is a TypeScript module (not a .sql
// file) so `tsc` ships it in dist/ with no copy step. Never edit a released migration; add the next number.
import { initialSchema } from './001-initial.js';
import { pgWriteFunctions } from './002-pg-write-functions.js';
import { uniqueThumbprint } from './003-unique-thumbprint.js';
import { tenantGeneration } from './004-tenant-generation.js';

export interface Migration {
  /** Strictly increasing, starting at 1. */
  version: number;
  name: string;
  /**
   * SQL for each dialect; may hold several statements (empty: nothing to do for that dialect). Runs inside one
   * transaction with its bookkeeping row.
   */
  sqlite: string;
  postgres: string;
}

export const migrations: readonly Migration[] = [initialSchema, pgWriteFunctions, uniqueThumbprint, tenantGeneration];

export const latestMigrationVersion: number = migrations.reduce((max, m) => Math.max(max, m.version), 0);
