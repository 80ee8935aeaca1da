// Graph JSON for identityApiConnector: property order id, displayName, targetUrl, authenticationConfiguration
// (as in every documented example), the abstract authenticationConfiguration always typed, the password masked.
import type { Connector, ConnectorAuthentication } from '../connectors/model.js';
import type { ConnectorProperty } from './odata.js';

export type GraphVersion = 'v1.0' | 'beta';

/** Graph returns the literal "******" for a stored basic-auth password (every documented example). */
export const PASSWORD_MASK = '******';

function authenticationJson(auth: ConnectorAuthentication): Record<string, unknown> {
  if (auth.kind === 'basic') {
    return { '@odata.type': '#microsoft.graph.basicAuthentication', username: auth.username, password: PASSWORD_MASK };
  }
  return {
    '@odata.type': '#microsoft.graph.clientCertificateAuthentication',
    certificateList: auth.certificates.map((c) => ({
      thumbprint: c.thumbprint,
      notAfter: c.notAfter,
      notBefore: c.notBefore,
      isActive: c.isActive,
    })),
  };
}

export function connectorJson(connector: Connector, select?: readonly ConnectorProperty[]): Record<string, unknown> {
  const full: Record<ConnectorProperty, unknown> = {
    id: connector.id,
    displayName: connector.displayName,
    targetUrl: connector.targetUrl,
    authenticationConfiguration: authenticationJson(connector.authentication),
  };
  if (!select) return full;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(full) as ConnectorProperty[]) if (select.includes(key)) out[key] = full[key];
  return out;
}

/** `https://graph.microsoft.com/v1.0/$metadata#identity/apiConnectors[(sel)][/$entity]` */
export function contextUrl(
  base: string,
  version: GraphVersion,
  kind: 'entity' | 'collection',
  select?: readonly ConnectorProperty[],
): string {
  const selection = select ? `(${select.join(',')})` : '';
  return `${base}/${version}/$metadata#identity/apiConnectors${selection}${kind === 'entity' ? '/$entity' : ''}`;
}

export function entityBody(
  base: string,
  version: GraphVersion,
  connector: Connector,
  select?: readonly ConnectorProperty[],
): string {
  return JSON.stringify({
    '@odata.context': contextUrl(base, version, 'entity', select),
    ...connectorJson(connector, select),
  });
}
