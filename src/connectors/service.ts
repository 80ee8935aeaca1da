// The API connector rules, independent of HTTP and of the database: validation, secret sealing, the per-tenant
// limit, certificate decoding and activation. Routes call these methods; the repository persists what they decide.
import { randomUUID } from 'node:crypto';
import { errors, fromPkcs12Error } from '../errors.js';
import { Pkcs12Error, type DecodedPkcs12 } from '../pkcs12/types.js';
import type { SecretSealer } from '../secrets/types.js';
import {
  DuplicateCertificateError,
  type ConnectorRepository,
  type ConnectorRow,
  type StoredAuth,
  type StoredCertificate,
} from '../store/repository.js';
import { withActivation } from './activation.js';
import { TenantReadCache } from './read-cache.js';
import type { AuthenticationInput, Clock, Connector, UploadCertificateInput } from './model.js';
import { parseCreate, parseUpdate, parseUpload } from './validation.js';

export type Pkcs12Decoder = (pkcs12Value: string, password: string) => Promise<DecodedPkcs12>;

export interface ConnectorServiceOptions {
  repository: ConnectorRepository;
  sealer: SecretSealer;
  decode: Pkcs12Decoder;
  clock: Clock;
  /** Graph's documented limit is 20 API connectors per tenant. */
  maxConnectorsPerTenant: number;
  /** Tenants whose rows this instance keeps for reads, validated on every use (read-cache.ts). 0: none. */
  readCacheTenants?: number;
}

export class ConnectorService {
  private readonly reads: TenantReadCache;

  constructor(private readonly options: ConnectorServiceOptions) {
    this.reads = new TenantReadCache(options.repository, options.readCacheTenants ?? 0);
  }

  async list(tenantId: string): Promise<Connector[]> {
    const rows = await this.reads.list(tenantId);
    const now = this.options.clock();
    return rows.map((row) => toConnector(row, now));
  }

  /**
   * list(), rendered by `render`; an earlier rendering under the same `key` is reused while it is still exactly what
   * `render` would produce: same rows (the tenant generation) and same isActive everywhere (the activation window).
   * `key` must name everything else the body depends on (e.g. the Graph version).
   */
  async renderList(tenantId: string, key: string, render: (connectors: Connector[]) => string): Promise<Buffer> {
    const tenant = await this.reads.tenant(tenantId);
    const now = this.options.clock();
    return tenant.rendered(`list|${key}`, now, () => render(tenant.rows.map((row) => toConnector(row, now))));
  }

  /** get(), rendered by `render`, with renderList's reuse. */
  async renderOne(
    tenantId: string,
    id: string,
    key: string,
    render: (connector: Connector) => string,
  ): Promise<Buffer> {
    const tenant = await this.reads.tenant(tenantId);
    const row = tenant.byId.get(id);
    if (!row) throw errors.connectorNotFound(id);
    const now = this.options.clock();
    return tenant.rendered(`one|${id}|${key}`, now, () => render(toConnector(row, now)));
  }

  async create(tenantId: string, body: unknown): Promise<Connector> {
    const input = parseCreate(body);
    const id = randomUUID();
    const auth = await this.storedAuth(tenantId, id, input.authentication);
    const result = await this.options.repository.create(
      { tenantId, id, displayName: input.displayName, targetUrl: input.targetUrl, auth, now: this.options.clock() },
      this.options.maxConnectorsPerTenant,
    );
    this.reads.forget(tenantId);
    if (!result.ok) {
      if (result.reason === 'limit') throw errors.connectorLimit(this.options.maxConnectorsPerTenant);
      throw errors.internal(); // a random UUID collided: not expected to happen
    }
    return toConnector(result.row, this.options.clock());
  }

  async update(tenantId: string, id: string, body: unknown): Promise<void> {
    const input = parseUpdate(body, id);
    // With new credentials, fail fast (and skip decoding) for an unknown id; the update re-checks in its transaction.
    if (input.authentication && !(await this.options.repository.get(tenantId, id))) {
      throw errors.connectorNotFound(id);
    }
    const patch = {
      ...(input.displayName !== undefined && { displayName: input.displayName }),
      ...(input.targetUrl !== undefined && { targetUrl: input.targetUrl }),
      ...(input.authentication && { auth: await this.storedAuth(tenantId, id, input.authentication) }),
    };
    const row = await this.options.repository.update(tenantId, id, patch, this.options.clock());
    this.reads.forget(tenantId);
    if (!row) throw errors.connectorNotFound(id);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    const deleted = await this.options.repository.delete(tenantId, id);
    this.reads.forget(tenantId);
    if (!deleted) throw errors.connectorNotFound(id);
  }

  /** Appends a certificate (Graph: uploadClientCertificate adds to the list; a basic connector switches to it). */
  async uploadClientCertificate(tenantId: string, id: string, body: unknown): Promise<Connector> {
    const input = parseUpload(body);
    // Fail fast (and skip decoding) for an unknown id; the append re-checks inside its transaction.
    if (!(await this.options.repository.get(tenantId, id))) throw errors.connectorNotFound(id);
    const cert = await this.decodeAndSeal(tenantId, id, input);
    let row: ConnectorRow | undefined;
    try {
      row = await this.options.repository.appendCertificate(tenantId, id, cert, this.options.clock());
      this.reads.forget(tenantId);
    } catch (error) {
      if (error instanceof DuplicateCertificateError) throw errors.duplicateCertificate(error.thumbprint);
      throw error;
    }
    if (!row) throw errors.connectorNotFound(id);
    return toConnector(row, this.options.clock());
  }

  private async storedAuth(tenantId: string, id: string, input: AuthenticationInput): Promise<StoredAuth> {
    if (input.kind === 'basic') {
      const sealedPassword = this.options.sealer.seal(Buffer.from(input.password, 'utf8'), basicContext(tenantId, id));
      return { kind: 'basic', username: input.username, sealedPassword };
    }
    return { kind: 'certificate', certificates: [await this.decodeAndSeal(tenantId, id, input)] };
  }

  private async decodeAndSeal(tenantId: string, id: string, input: UploadCertificateInput): Promise<StoredCertificate> {
    let decoded: DecodedPkcs12;
    try {
      decoded = await this.options.decode(input.pkcs12Value, input.password);
    } catch (error) {
      if (error instanceof Pkcs12Error) throw fromPkcs12Error(error);
      throw error;
    }
    const { thumbprint, notBefore, notAfter } = decoded.leaf.facts;
    // What the outbound call needs: the key and the chain (leaf first). The PFX and its password are not kept.
    const material = JSON.stringify({
      keyPkcs8: decoded.privateKeyPkcs8.toString('base64'),
      chain: [decoded.leaf.der, ...decoded.chain].map((der) => der.toString('base64')),
    });
    const sealedKey = this.options.sealer.seal(
      Buffer.from(material, 'utf8'),
      certificateContext(tenantId, id, thumbprint),
    );
    decoded.privateKeyPkcs8.fill(0);
    return { thumbprint, notBefore, notAfter, sealedKey };
  }
}

export function basicContext(tenantId: string, id: string): string {
  return `${tenantId}/${id}/basic`;
}

export function certificateContext(tenantId: string, id: string, thumbprint: string): string {
  return `${tenantId}/${id}/certificate/${thumbprint}`;
}

function toConnector(row: ConnectorRow, now: number): Connector {
  const authentication: Connector['authentication'] =
    row.auth.kind === 'basic'
      ? { kind: 'basic', username: row.auth.username }
      : { kind: 'certificate', certificates: withActivation(row.auth.certificates, now) };
  return { id: row.id, displayName: row.displayName, targetUrl: row.targetUrl, authentication };
}
