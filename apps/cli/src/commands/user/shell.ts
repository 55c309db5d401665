import type { Command } from 'commander';
import { parseCount } from '../../args.js';
import { connect } from '../../client.js';
import { EXIT } from '../../exit-status.js';

export function shellCommand(program: Command): void {
  program
    .command('shell')
    .description('an interactive terminal in a running job (where its product offers one)')
    .argument('<job>', 'job id')
    .option('--rank <n>', 'which rank (node) of the job', parseCount, 0)
    .action(async (id: string, options: { rank: number }, command: Command) => {
      const { responses } = await connect(command).jobs.openInteractiveSession.mutate({
        items: [{ id, rank: options.rank, sessionType: 'SHELL' }],
      });
      const [opened] = responses;
      if (opened?.session.type !== 'shell')
        throw new Error('the server did not answer with a shell session');
      // Loaded here: only this command needs a WebSocket.
      const { ShellConnection } = await import('../../shell/connection.js');
      const { attachTerminal } = await import('../../shell/attach.js');
      const { stdin, stdout, stderr } = process;
      const shell = await ShellConnection.open({
        providerDomain: opened.providerDomain,
        providerId: opened.providerId,
        sessionIdentifier: opened.session.sessionIdentifier,
        size: { cols: stdout.columns || 80, rows: stdout.rows || 24 },
      });
      const end = await attachTerminal(shell, stdin, stdout);
      if (end.status === 200) return;
      const why = end.why ?? (end.reason || `the connection closed (${end.code})`);
      stderr.write(`\nerror: the shell ended: ${why}\n`);
      process.exitCode = EXIT.refused;
    });
}
