import { Command } from 'commander';
import { deliveriesCommand } from './deliveries.js';
import { doctorCommand } from './doctor.js';
import { envCommand } from './env.js';
import { faultsCommand } from './faults.js';
import { paymentsCommand } from './payments.js';
import { postmanCommand } from './postman.js';
import { serveCommand } from './serve.js';
import { serversCommand } from './servers.js';
import { statusCommand } from './status.js';
import { testdataCommand } from './testdata.js';
import { trustCommand } from './trust.js';

/** Builds the `vipps-devkit` program. Each sub-command lives in its own file under src/cli/. */
export function buildProgram(): Command {
  const program = new Command('vipps-devkit')
    .description('The Vipps developer environment on your own machine: emulator, simulated app and merchant tools.')
    .showHelpAfterError()
    .exitOverride((err) => {
      // commander throws on --help/--version too; those are not failures.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
      process.exit(err.exitCode || 1);
    });
  program.addCommand(serveCommand());
  // Further command groups are added below, one line each.
  program.addCommand(serversCommand());
  program.addCommand(deliveriesCommand());
  program.addCommand(faultsCommand());
  program.addCommand(statusCommand());
  program.addCommand(doctorCommand());
  program.addCommand(postmanCommand());
  program.addCommand(paymentsCommand());
  program.addCommand(envCommand());
  program.addCommand(trustCommand());
  program.addCommand(testdataCommand());
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
