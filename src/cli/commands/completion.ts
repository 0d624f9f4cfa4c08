// `p2pchat completion bash|zsh|fish`: prints a completion script made from the command tree.
import { Argument, type Command } from 'commander';
import { commandShape, SHELLS } from '../completion.js';

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(Object.keys(SHELLS)))
    .addHelpText(
      'after',
      '\nExamples:\n  source <(p2pchat completion bash)    # in ~/.bashrc\n  source <(p2pchat completion zsh)     # in ~/.zshrc, after compinit\n  p2pchat completion fish | source     # in ~/.config/fish/config.fish',
    )
    .action((shell: keyof typeof SHELLS) => {
      process.stdout.write(SHELLS[shell](commandShape(program)));
    });
}
