// Turns request bodies (untrusted JSON) into typed domain inputs, or throws the one ApiError that says what to fix.
// Hand-written rather than a JSON-schema validator because every rejection must carry a Graph-style code and a
// message naming the property, and OData rules (optional '#' on @odata.type, annotations) do not fit a schema well.
import { errors } from '../errors.js';
import type {
  AuthenticationInput,
  CreateConnectorInput,
  UpdateConnectorInput,
  UploadCertificateInput,
} from './model.js';

export const DISPLAY_NAME_MAX = 256;
export const TARGET_URL_MAX = 2048;
export const USERNAME_MAX = 256;
export const PASSWORD_MAX = 256;

const CONNECTOR_TYPE = 'microsoft.graph.identityApiConnector';
const BASIC_TYPE = 'microsoft.graph.basicAuthentication';
const PKCS12_TYPE = 'microsoft.graph.pkcs12Certificate';
const CLIENT_CERT_TYPE = 'microsoft.graph.clientCertificateAuthentication';
const UPLOAD_ACTION = 'microsoft.graph.uploadClientCertificate';

type Json = Record<string, unknown>;

function asObject(body: unknown, what: string): Json {
  if (body === undefined || body === null) throw errors.emptyBody();
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw errors.invalidField(what, 'The request body must be a JSON object.');
  }
  return body as Json;
}

/** OData type names may be written with or without the leading '#'. */
function odataType(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return value.startsWith('#') ? value.slice(1) : value;
}

/** Refuses properties the type does not define; OData instance annotations ("@...") other than @odata.type too. */
function rejectUnknown(obj: Json, allowed: readonly string[], type: string): void {
  for (const key of Object.keys(obj)) {
    if (key === '@odata.type') continue;
    if (!allowed.includes(key)) throw errors.unknownProperty(key, type);
  }
}

function checkDeclaredType(obj: Json, expected: string, field: string): void {
  if (!('@odata.type' in obj)) return;
  if (odataType(obj['@odata.type']) !== expected) {
    throw errors.invalidField(field, `'@odata.type' must be '#${expected}'.`);
  }
}

function requiredString(obj: Json, key: string, field: string, opts: { max: number; allowEmpty?: boolean }): string {
  const value = obj[key];
  if (value === undefined || value === null) throw errors.invalidField(field, `'${key}' is required.`);
  if (typeof value !== 'string') throw errors.invalidField(field, `'${key}' must be a string.`);
  if (!opts.allowEmpty && value.trim() === '') throw errors.invalidField(field, `'${key}' must not be empty.`);
  if (value.length > opts.max) throw errors.invalidField(field, `'${key}' must be at most ${opts.max} characters.`);
  return value;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);
function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** B2C calls targetUrl over public HTTPS; plain http is allowed only for loopback hosts, for local development. */
export function validateTargetUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw errors.invalidField(
      'targetUrl',
      `'targetUrl' must be an absolute URL, e.g. https://api.contoso.com/endpoint.`,
    );
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw errors.invalidField('targetUrl', `'targetUrl' must use https (http is allowed only for loopback hosts).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw errors.invalidField('targetUrl', `'targetUrl' must be an https URL, not '${url.protocol}'.`);
  }
  if (url.username || url.password) {
    // Credentials in the URL would be returned in clear by every GET; basicAuthentication exists for them.
    throw errors.invalidField('targetUrl', `'targetUrl' must not contain credentials; use basicAuthentication.`);
  }
  return value;
}

function parseAuthentication(value: unknown): AuthenticationInput {
  const field = 'authenticationConfiguration';
  if (value === undefined || value === null) throw errors.invalidField(field, `'${field}' is required.`);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw errors.invalidField(field, `'${field}' must be a JSON object.`);
  }
  const obj = value as Json;
  const type = odataType(obj['@odata.type']);
  if (type === undefined) {
    throw errors.invalidField(field, `'${field}' must declare '@odata.type': '#${BASIC_TYPE}' or '#${PKCS12_TYPE}'.`);
  }
  if (type === BASIC_TYPE) {
    rejectUnknown(obj, ['username', 'password'], BASIC_TYPE);
    const username = requiredString(obj, 'username', field, { max: USERNAME_MAX });
    if (username.includes(':')) throw errors.invalidField(field, `'username' must not contain ':' (RFC 7617).`);
    const password = requiredString(obj, 'password', field, { max: PASSWORD_MAX });
    return { kind: 'basic', username, password };
  }
  if (type === PKCS12_TYPE) {
    rejectUnknown(obj, ['pkcs12Value', 'password'], PKCS12_TYPE);
    return { kind: 'pkcs12', ...parseCertificateFields(obj, field) };
  }
  if (type === CLIENT_CERT_TYPE) {
    throw errors.invalidField(
      field,
      `'#${CLIENT_CERT_TYPE}' is read-only; to set certificates send '#${PKCS12_TYPE}' with 'pkcs12Value' and 'password'.`,
    );
  }
  throw errors.invalidField(
    field,
    `Unsupported '@odata.type' '${String(obj['@odata.type'])}'; use '#${BASIC_TYPE}' or '#${PKCS12_TYPE}'.`,
  );
}

function parseCertificateFields(obj: Json, field: string): UploadCertificateInput {
  const pkcs12Value = requiredString(obj, 'pkcs12Value', field, { max: Number.MAX_SAFE_INTEGER });
  // Graph: "If no password is used, must still provide a value of ''".
  const password = requiredString(obj, 'password', field, { max: PASSWORD_MAX, allowEmpty: true });
  return { pkcs12Value, password };
}

export function parseCreate(body: unknown): CreateConnectorInput {
  const obj = asObject(body, 'identityApiConnector');
  rejectUnknown(obj, ['id', 'displayName', 'targetUrl', 'authenticationConfiguration'], CONNECTOR_TYPE);
  checkDeclaredType(obj, CONNECTOR_TYPE, 'identityApiConnector');
  if ('id' in obj) throw errors.invalidField('id', `'id' is assigned by the service and cannot be set on create.`);
  const displayName = requiredString(obj, 'displayName', 'displayName', { max: DISPLAY_NAME_MAX });
  const targetUrl = validateTargetUrl(requiredString(obj, 'targetUrl', 'targetUrl', { max: TARGET_URL_MAX }));
  return { displayName, targetUrl, authentication: parseAuthentication(obj['authenticationConfiguration']) };
}

export function parseUpdate(body: unknown, pathId: string): UpdateConnectorInput {
  const obj = asObject(body, 'identityApiConnector');
  rejectUnknown(obj, ['id', 'displayName', 'targetUrl', 'authenticationConfiguration'], CONNECTOR_TYPE);
  checkDeclaredType(obj, CONNECTOR_TYPE, 'identityApiConnector');
  if ('id' in obj && obj['id'] !== pathId) throw errors.invalidField('id', `'id' cannot be changed.`);
  const update: UpdateConnectorInput = {};
  if ('displayName' in obj) {
    update.displayName = requiredString(obj, 'displayName', 'displayName', { max: DISPLAY_NAME_MAX });
  }
  if ('targetUrl' in obj) {
    update.targetUrl = validateTargetUrl(requiredString(obj, 'targetUrl', 'targetUrl', { max: TARGET_URL_MAX }));
  }
  if ('authenticationConfiguration' in obj) {
    update.authentication = parseAuthentication(obj['authenticationConfiguration']);
  }
  return update;
}

export function parseUpload(body: unknown): UploadCertificateInput {
  const obj = asObject(body, 'uploadClientCertificate');
  rejectUnknown(obj, ['pkcs12Value', 'password'], UPLOAD_ACTION);
  return parseCertificateFields(obj, 'uploadClientCertificate');
}
