// `api-connectors serve`: start the service. Every option also has an environment variable (see README).
import { Command, Option } from 'commander';
import { createApp } from '../app.js';
import { resolveConfig, SETTINGS, type Config } from '../config.js';

export function registerServe(program: Command): void {
  const command = program.command('serve', { isDefault: true }).description('Serve the Graph API connectors API');
  for (const setting of SETTINGS) {
    const placeholder = setting.type === 'bool' ? '' : setting.type === 'int' ? ' <n>' : ' <value>';
    command.addOption(new Option(`${setting.flag}${placeholder}`, `${setting.description} [env ${setting.env}]`));
  }
  command.action(async (options: Record<string, string | boolean | undefined>) => {
    const flags: Partial<Record<keyof Config, string | boolean>> = {};
    for (const setting of SETTINGS) {
      const name = setting.flag.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
      if (options[name] !== undefined) flags[setting.key] = options[name];
    }
    await serve(resolveConfig(flags));
  });
}

async function serve(config: Config): Promise<void> {
  const app = await createApp(config);
  const url = await app.listen();
  const store = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
  app.server.log.info({ url, store }, `api-connectors listening on ${url} (${store})`);
  console.log(`api-connectors: Graph API connectors at ${url}/v1.0/identity/apiConnectors (store: ${store})`);
  for (const line of app.banner(url)) console.log(line);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.server.log.info({ signal }, 'shutting down: finishing in-flight requests');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.server.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
