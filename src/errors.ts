// Every error the API can return, in one place (as Azurite's StorageErrorFactory): status, Graph `error.code`, and
// a message a person can act on. The HTTP layer renders them in the Graph envelope; nothing else invents codes.
// Where Graph documents or was observed to return a code/message we use it verbatim; the rest are our choices,
// listed in docs/parity.md.
import { Pkcs12Error, type Pkcs12ErrorCode } from './pkcs12/types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const CONNECTOR_TYPE = 'microsoft.graph.identityApiConnector';

export const errors = {
  // --- request shape ---
  invalidJson: () =>
    new ApiError(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    ),
  emptyBody: () => new ApiError(400, 'BadRequest', 'The request body is empty; a JSON object is required.'),
  invalidField: (field: string, detail: string) =>
    new ApiError(
      400,
      'Request_BadRequest',
      `The '${field}' field is invalid in request. ${detail} Please check the request body and parameters.`,
    ),
  unknownProperty: (property: string, type: string = CONNECTOR_TYPE) =>
    new ApiError(
      400,
      'Request_BadRequest',
      `The property '${property}' does not exist on type '${type}'. Make sure to only use property names that are defined by the type.`,
    ),
  unsupportedMediaType: (contentType: string | undefined) =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      contentType
        ? `Content-Type '${contentType}' is not supported. Send the body as 'application/json'.`
        : "The request has a body but no Content-Type header. Send the body as 'application/json'.",
    ),
  bodyTooLarge: (limitBytes: number) =>
    new ApiError(413, 'RequestEntityTooLarge', `The request body exceeds the limit of ${limitBytes} bytes.`),
  unsupportedQueryOption: (option: string) =>
    new ApiError(400, 'Request_BadRequest', `Query option '${option}' is not supported on this resource.`),
  invalidQueryOption: (option: string, detail: string) =>
    new ApiError(400, 'Request_BadRequest', `Invalid value for query option '${option}': ${detail}`),

  // --- routing ---
  segmentNotFound: (segment: string) =>
    new ApiError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
  methodNotAllowed: (method: string, allowed: string[]) =>
    new ApiError(
      405,
      'Request_BadRequest',
      `The HTTP method '${method}' is not allowed on this resource. Allowed methods: ${allowed.join(', ')}.`,
      { allow: allowed.join(', ') },
    ),

  // --- connectors ---
  connectorNotFound: (id: string) =>
    new ApiError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  connectorLimit: (limit: number) =>
    new ApiError(
      400,
      'Directory_QuotaExceeded',
      `The tenant already has ${limit} API connectors, the maximum allowed. Delete an API connector before creating another.`,
    ),
  duplicateCertificate: (thumbprint: string) =>
    new ApiError(
      400,
      'Request_BadRequest',
      `The certificate with thumbprint ${thumbprint} is already in this API connector's certificateList.`,
    ),

  // --- certificates (mapped from src/pkcs12) ---
  wrongPfxPassword: () =>
    // Observed verbatim from Graph's sibling B2C key-set upload (graph-spec.md §9).
    new ApiError(400, 'AADB2C90213', 'The certificate password provided in request is incorrect.'),
  pkcs12: (code: Exclude<Pkcs12ErrorCode, 'wrongPassword'>, detail: string) =>
    new ApiError(400, PKCS12_CODES[code], `The 'pkcs12Value' is not a usable PKCS#12 certificate: ${detail}`),

  // --- service ---
  internal: () => new ApiError(500, 'AADB2C90063', 'There is a problem with the service.'),
  issuerUnavailable: () =>
    new ApiError(
      503,
      'ServiceUnavailable',
      "The token issuer's signing keys could not be fetched; try again shortly.",
      { 'retry-after': '5' },
    ),
  notReady: (detail: string) => new ApiError(503, 'ServiceUnavailable', `The service is not ready: ${detail}`),
} as const;

const PKCS12_CODES: Record<Exclude<Pkcs12ErrorCode, 'wrongPassword'>, string> = {
  notBase64: 'Pkcs12_InvalidBase64',
  tooLarge: 'Pkcs12_TooLarge',
  malformed: 'Pkcs12_Malformed',
  noPrivateKey: 'Pkcs12_NoPrivateKey',
  noCertificate: 'Pkcs12_NoCertificate',
  keyMismatch: 'Pkcs12_KeyCertificateMismatch',
  multipleKeys: 'Pkcs12_MultipleKeys',
  unsupportedAlgorithm: 'Pkcs12_UnsupportedAlgorithm',
  iterationLimit: 'Pkcs12_IterationLimitExceeded',
};

/** Maps a decoder error to its API error; the decoder's message never contains secrets. */
export function fromPkcs12Error(error: Pkcs12Error): ApiError {
  if (error.code === 'wrongPassword') return errors.wrongPfxPassword();
  return errors.pkcs12(error.code, error.message);
}
