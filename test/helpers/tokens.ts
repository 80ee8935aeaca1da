// Tokens for tests that drive a server started on a given data dir. Until identity is wired this is empty.
export async function devToken(_dataDir: string): Promise<string> {
  return '';
}
