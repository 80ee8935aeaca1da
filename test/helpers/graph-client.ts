// The official @microsoft/microsoft-graph-client pointed at a local server.
// graph-client 3.x sends Authorization only over https to Graph hosts (or customHosts without a port), so over
// plain http to 127.0.0.1:PORT it would send none (stack-notes.md); a small middleware sets the header itself.
// Over https with the development CA, Node 20's fetch cannot be given the CA, so the last middleware can be swapped
// for one using a CA-trusting fetch.
import { Client, HTTPMessageHandler, type Context, type Middleware } from '@microsoft/microsoft-graph-client';

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

class BearerMiddleware implements Middleware {
  private nextMiddleware: Middleware | undefined;
  constructor(private readonly token: () => Promise<string>) {}
  async execute(context: Context): Promise<void> {
    const headers = new Headers(context.options?.headers as HeadersInit | undefined);
    headers.set('Authorization', `Bearer ${await this.token()}`);
    context.options = { ...context.options, headers: Object.fromEntries(headers.entries()) };
    await this.nextMiddleware!.execute(context);
  }
  setNext(next: Middleware): void {
    this.nextMiddleware = next;
  }
}

class FetchHandler implements Middleware {
  constructor(private readonly fetchImpl: Fetch) {}
  async execute(context: Context): Promise<void> {
    context.response = await this.fetchImpl(context.request as string, context.options as RequestInit);
  }
}

export function graphClient(baseUrl: string, token: () => Promise<string>, fetchImpl?: Fetch): Client {
  const bearer = new BearerMiddleware(token);
  bearer.setNext(fetchImpl ? new FetchHandler(fetchImpl) : new HTTPMessageHandler());
  return Client.initWithMiddleware({ baseUrl: `${baseUrl}/`, defaultVersion: 'v1.0', middleware: bearer });
}
