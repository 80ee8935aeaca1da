// `api-connectors token`: print an access token that the server on the same data dir accepts (development issuer).
import { Command, Option } from 'commander';
import {
  API_CONNECTORS_PERMISSION,
  DEV_TENANT_ID,
  GLOBAL_ADMINISTRATOR_ROLE,
  GUID_PATTERN,
  USER_FLOW_ADMINISTRATOR_ROLE,
} from '../auth/constants.js';
import { DevIssuer, type DevTokenRequest } from '../auth/dev-issuer.js';

const DIRECTORY_ROLE_ALIASES: Record<string, string> = {
  'global-administrator': GLOBAL_ADMINISTRATOR_ROLE,
  'user-flow-administrator': USER_FLOW_ADMINISTRATOR_ROLE,
};

export interface TokenCommandOptions {
  dataDir?: string;
  tenant: string;
  role?: string[];
  scope?: string[];
  directoryRole?: string[];
  expiresIn: string;
  notBefore: string;
  audience?: string;
  origin: string;
  clientId?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function integer(name: string, value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new Error(`${name} must be a whole number of seconds, got '${value}'`);
  return Number.parseInt(value, 10);
}

function directoryRoleId(value: string): string {
  const id = DIRECTORY_ROLE_ALIASES[value.toLowerCase()] ?? value;
  if (!GUID_PATTERN.test(id)) {
    throw new Error(
      `--directory-role takes a role template id (GUID) or one of: ${Object.keys(DIRECTORY_ROLE_ALIASES).join(', ')}`,
    );
  }
  return id.toLowerCase();
}

/** Turns CLI options into a token request; exported for tests. */
export function tokenRequestFrom(options: TokenCommandOptions): DevTokenRequest {
  if (!GUID_PATTERN.test(options.tenant)) throw new Error('--tenant must be a tenant id (GUID)');
  const delegated = options.scope !== undefined || options.directoryRole !== undefined;
  const roles = options.role?.filter((role) => role !== '');
  const request: DevTokenRequest = {
    tenantId: options.tenant,
    origin: options.origin,
    expiresInSeconds: integer('--expires-in', options.expiresIn),
    notBeforeInSeconds: integer('--not-before', options.notBefore),
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
    ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
  };
  if (delegated) {
    return {
      ...request,
      scopes: (options.scope ?? [API_CONNECTORS_PERMISSION]).filter((scope) => scope !== ''),
      directoryRoles: (options.directoryRole ?? []).map(directoryRoleId),
      ...(roles !== undefined ? { roles } : {}),
    };
  }
  return { ...request, roles: roles ?? [API_CONNECTORS_PERMISSION] };
}

export function registerToken(program: Command): void {
  program
    .command('token')
    .description(
      'Print an access token from the development issuer of a data dir. Default: an application token of the ' +
        `development tenant with ${API_CONNECTORS_PERMISSION}. --scope or --directory-role make a delegated ` +
        '(user) token instead.',
    )
    .addOption(
      new Option('--data-dir <dir>', 'data dir of the server [env DATA_DIR]').env('DATA_DIR').default('./data'),
    )
    .option('--tenant <tid>', 'tenant id (tid)', DEV_TENANT_ID)
    .option('--role <role>', "application permission in `roles`; repeatable; '' for none", collect)
    .option(
      '--scope <scope>',
      `delegated permission in \`scp\`; repeatable (default ${API_CONNECTORS_PERMISSION})`,
      collect,
    )
    .option(
      '--directory-role <wid>',
      'directory role template id in `wids` (or global-administrator, user-flow-administrator); repeatable',
      collect,
    )
    .option('--expires-in <seconds>', 'lifetime; negative for an already expired token', '3600')
    .option('--not-before <seconds>', 'seconds from now before which the token is not yet valid', '0')
    .option('--audience <aud>', 'aud claim', 'https://graph.microsoft.com')
    .option(
      '--origin <url>',
      'issuer origin (iss is <origin>/<tid>/v2.0); loopback origins are always trusted',
      'http://localhost',
    )
    .option('--client-id <id>', 'appid/azp claim (default: the development client)')
    .action(async (options: TokenCommandOptions & { dataDir: string }) => {
      const request = tokenRequestFrom(options);
      const issuer = await DevIssuer.open({ dataDir: options.dataDir });
      process.stdout.write(`${await issuer.issueToken(request)}\n`);
    });
}
