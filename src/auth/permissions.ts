// Graph's permission rule for /identity/apiConnectors (graph-spec §2), applied to an already verified token.
import type { JWTPayload } from 'jose';
import { ADMIN_DIRECTORY_ROLES, API_CONNECTORS_PERMISSION, MSA_TENANT_ID } from './constants.js';
import { AuthError, type Principal } from './types.js';

const INSUFFICIENT = 'Insufficient privileges to complete the operation.';
const ROLE_NAMES = [...ADMIN_DIRECTORY_ROLES.values()].join(' or ');

function denied(detail: string): AuthError {
  return new AuthError(403, 'Authorization_RequestDenied', detail);
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * Decide whether verified claims grant APIConnectors.ReadWrite.All.
 * `tenantId` is the already validated `tid`.
 */
export function authorize(claims: JWTPayload, tenantId: string): Principal {
  const subject = typeof claims.oid === 'string' ? claims.oid : (claims.sub ?? '');
  if (tenantId.toLowerCase() === MSA_TENANT_ID) {
    return rejectPersonalAccount();
  }
  const roles = stringArray(claims.roles);
  const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [];
  if (claims.roles === undefined && claims.scp === undefined) {
    throw denied('Either scp or roles claim need to be present in the token.');
  }
  if (roles.includes(API_CONNECTORS_PERMISSION)) {
    return { tenantId, subject, kind: 'app' };
  }
  if (scopes.includes(API_CONNECTORS_PERMISSION)) {
    const directoryRoles = stringArray(claims.wids).map((id) => id.toLowerCase());
    if (directoryRoles.some((id) => ADMIN_DIRECTORY_ROLES.has(id))) {
      return { tenantId, subject, kind: 'user' };
    }
    throw denied(
      `${INSUFFICIENT} The signed-in user needs the ${ROLE_NAMES} directory role (wids claim) ` +
        `to use the delegated permission ${API_CONNECTORS_PERMISSION}.`,
    );
  }
  if (claims.scp !== undefined) {
    throw denied(`${INSUFFICIENT} The token's scp claim lacks the delegated permission ${API_CONNECTORS_PERMISSION}.`);
  }
  throw denied(
    `${INSUFFICIENT} The token's roles claim lacks the application permission ${API_CONNECTORS_PERMISSION}.`,
  );
}

function rejectPersonalAccount(): never {
  throw denied(
    `${INSUFFICIENT} Personal Microsoft accounts are not supported: ${API_CONNECTORS_PERMISSION} ` +
      'is available to work or school accounts and applications only.',
  );
}
