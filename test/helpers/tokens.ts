// Tokens for tests that drive server processes started on a given data dir: the development issuer signs with the
// key in that data dir, so a token made here is accepted by every instance sharing it.
import { API_CONNECTORS_PERMISSION, DevIssuer, DEV_TENANT_ID } from '../../src/auth/index.js';

export async function devToken(dataDir: string, tenantId: string = DEV_TENANT_ID): Promise<string> {
  const issuer = await DevIssuer.open({ dataDir });
  return issuer.issueToken({ tenantId, roles: [API_CONNECTORS_PERMISSION] });
}
