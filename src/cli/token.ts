import type { Command } from 'commander';

// Placeholder: replaced by the owning work item.
export function registerToken(program: Command): void {
  program
    .command('token')
    .description('(not yet implemented)')
    .action(() => {
      throw new Error('token is not implemented yet');
    });
}
