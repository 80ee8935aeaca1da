// The domain's view of an API connector: what the service returns after applying its rules (masking, activation).
// It is not the wire format (src/http/serialize.ts) and not the stored form (src/store/repository.ts).

export interface CertificateInfo {
  thumbprint: string;
  notBefore: number;
  notAfter: number;
  isActive: boolean;
}

export type ConnectorAuthentication =
  { kind: 'basic'; username: string } | { kind: 'certificate'; certificates: CertificateInfo[] };

export interface Connector {
  id: string;
  displayName: string;
  targetUrl: string;
  authentication: ConnectorAuthentication;
}

/** Authentication configuration as a caller writes it (create / PATCH). Secrets are still in clear here. */
export type AuthenticationInput =
  { kind: 'basic'; username: string; password: string } | { kind: 'pkcs12'; pkcs12Value: string; password: string };

export interface CreateConnectorInput {
  displayName: string;
  targetUrl: string;
  authentication: AuthenticationInput;
}

export interface UpdateConnectorInput {
  displayName?: string;
  targetUrl?: string;
  authentication?: AuthenticationInput;
}

export interface UploadCertificateInput {
  pkcs12Value: string;
  password: string;
}

/** Milliseconds since the epoch. Injectable so activation and rollover can be tested (and time-travelled). */
export type Clock = () => number;
