import type { Command } from 'commander';

// Placeholder: replaced by the owning work item.
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('(not yet implemented)')
    .action(() => {
      throw new Error('inspect is not implemented yet');
    });
}
