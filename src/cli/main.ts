#!/usr/bin/env node
// The `api-connectors` command. Each subcommand lives in its own file and registers itself here.
import { Command } from 'commander';
import { registerServe } from './serve.js';
import { registerToken } from './token.js';
import { registerInspect } from './inspect.js';

const program = new Command('api-connectors')
  .description('Graph-faithful Microsoft Graph identity API connectors service')
  .showHelpAfterError();
registerServe(program);
registerToken(program);
registerInspect(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
