// Piscina worker: runs the RFC 7292 appendix B KDF off the main thread for large iteration counts.
import { type Pkcs12KdfParams, pkcs12Kdf } from './kdf.js';

export default function deriveInWorker(params: Pkcs12KdfParams): Uint8Array {
  return pkcs12Kdf(params);
}
