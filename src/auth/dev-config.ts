// The development issuer's directory: tenants and confidential clients. The well-known development tenant and
// client always exist; a JSON file adds more (format in docs/auth.md).
import { readFile } from 'node:fs/promises';
import {
  API_CONNECTORS_PERMISSION,
  DEV_CLIENT_ID,
  DEV_CLIENT_NAME,
  DEV_CLIENT_SECRET,
  DEV_TENANT_DOMAIN,
  DEV_TENANT_ID,
  GUID_PATTERN,
} from './constants.js';

export interface DevTenant {
  id: string;
  /** Domain names that may stand for the tenant in URLs, like contoso.onmicrosoft.com. */
  domains: string[];
}

export interface DevClient {
  clientId: string;
  clientSecret: string;
  displayName: string;
  /** Tenants the client is registered (consented) in; the first is its home tenant. */
  tenantIds: string[];
  /** Application permissions granted to the client, put in the `roles` claim. */
  roles: string[];
}

export interface DevDirectory {
  tenants: DevTenant[];
  clients: DevClient[];
}

export function defaultDevDirectory(): DevDirectory {
  return {
    tenants: [{ id: DEV_TENANT_ID, domains: [DEV_TENANT_DOMAIN] }],
    clients: [
      {
        clientId: DEV_CLIENT_ID,
        clientSecret: DEV_CLIENT_SECRET,
        displayName: DEV_CLIENT_NAME,
        tenantIds: [DEV_TENANT_ID],
        roles: [API_CONNECTORS_PERMISSION],
      },
    ],
  };
}

class DevConfigError extends Error {
  constructor(source: string, path: string, problem: string) {
    super(`${source}: ${path} ${problem}`);
    this.name = 'DevConfigError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function guid(source: string, path: string, value: unknown): string {
  if (typeof value !== 'string' || !GUID_PATTERN.test(value)) {
    throw new DevConfigError(source, path, 'must be a GUID such as 11111111-2222-4333-8444-555555555555');
  }
  return value.toLowerCase();
}

function strings(source: string, path: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new DevConfigError(source, path, 'must be an array of strings');
  }
  return value;
}

function checkKeys(source: string, path: string, value: Record<string, unknown>, known: string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new DevConfigError(
        source,
        path === '' ? key : `${path}.${key}`,
        `is not a known key (expected ${known.join(', ')})`,
      );
    }
  }
}

function parseTenant(source: string, path: string, value: unknown): DevTenant {
  if (!isRecord(value)) throw new DevConfigError(source, path, 'must be an object');
  checkKeys(source, path, value, ['id', 'domains']);
  const domains = value.domains === undefined ? [] : strings(source, `${path}.domains`, value.domains);
  return { id: guid(source, `${path}.id`, value.id), domains: domains.map((domain) => domain.toLowerCase()) };
}

function parseClient(source: string, path: string, value: unknown): DevClient {
  if (!isRecord(value)) throw new DevConfigError(source, path, 'must be an object');
  checkKeys(source, path, value, ['clientId', 'clientSecret', 'tenantId', 'tenantIds', 'roles', 'displayName']);
  const clientId = guid(source, `${path}.clientId`, value.clientId);
  if (typeof value.clientSecret !== 'string' || value.clientSecret.length < 8) {
    throw new DevConfigError(source, `${path}.clientSecret`, 'must be a string of at least 8 characters');
  }
  let tenantIds: string[];
  if (value.tenantIds !== undefined) {
    tenantIds = strings(source, `${path}.tenantIds`, value.tenantIds).map((id, index) =>
      guid(source, `${path}.tenantIds[${index}]`, id),
    );
    if (tenantIds.length === 0) throw new DevConfigError(source, `${path}.tenantIds`, 'must not be empty');
  } else if (value.tenantId !== undefined) {
    tenantIds = [guid(source, `${path}.tenantId`, value.tenantId)];
  } else {
    tenantIds = [DEV_TENANT_ID];
  }
  const roles = value.roles === undefined ? [API_CONNECTORS_PERMISSION] : strings(source, `${path}.roles`, value.roles);
  const displayName = value.displayName === undefined ? `client ${clientId}` : value.displayName;
  if (typeof displayName !== 'string') throw new DevConfigError(source, `${path}.displayName`, 'must be a string');
  return { clientId, clientSecret: value.clientSecret, displayName, tenantIds, roles };
}

/** Validates a parsed config file and merges it into the default directory. Errors name the offending key. */
export function parseDevDirectory(value: unknown, source = 'development issuer config'): DevDirectory {
  if (!isRecord(value)) throw new DevConfigError(source, 'the document', 'must be a JSON object');
  checkKeys(source, '', value, ['tenants', 'clients']);
  const directory = defaultDevDirectory();
  const tenantList = value.tenants === undefined ? [] : value.tenants;
  if (!Array.isArray(tenantList)) throw new DevConfigError(source, 'tenants', 'must be an array');
  tenantList.forEach((item: unknown, index) => {
    const tenant = parseTenant(source, `tenants[${index}]`, item);
    const existing = directory.tenants.find((known) => known.id === tenant.id);
    if (existing) existing.domains.push(...tenant.domains);
    else directory.tenants.push(tenant);
  });
  const clientList = value.clients === undefined ? [] : value.clients;
  if (!Array.isArray(clientList)) throw new DevConfigError(source, 'clients', 'must be an array');
  clientList.forEach((item: unknown, index) => {
    const client = parseClient(source, `clients[${index}]`, item);
    if (directory.clients.some((known) => known.clientId === client.clientId)) {
      throw new DevConfigError(source, `clients[${index}].clientId`, 'is already defined');
    }
    directory.clients.push(client);
    for (const tenantId of client.tenantIds) {
      if (!directory.tenants.some((tenant) => tenant.id === tenantId)) {
        directory.tenants.push({ id: tenantId, domains: [] });
      }
    }
  });
  return directory;
}

export async function loadDevDirectory(path: string | undefined): Promise<DevDirectory> {
  if (path === undefined) return defaultDevDirectory();
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    // A SyntaxError quotes the file's text, which holds client secrets: keep it out of the error.
    if (error instanceof SyntaxError) throw new Error(`development issuer config ${path} is not valid JSON`);
    throw new Error(`development issuer config ${path} cannot be read`, { cause: error });
  }
  return parseDevDirectory(parsed, path);
}
