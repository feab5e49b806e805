#!/usr/bin/env node
import { CLIENT_USAGE, commandFirst, isClientCommand, runClientCommand } from './client-commands.js';

const USAGE = `Usage: artemis <command> [options]

Commands:
  server                    start a registry node (artemis server --help for options)
  bench <scenario>          load-test a node (artemis bench --help)
  migrate                   copy management state and logs between stores (artemis migrate --help)
${CLIENT_USAGE}
Every command takes --help. Client commands talk to --url (or ARTEMIS_URL, default
http://127.0.0.1:8080) and print tables, or JSON with --json. Exit codes: 0 ok, 1 failed, 2 usage.
`;

const io = {
  out: (text: string) => process.stdout.write(text),
  err: (text: string) => process.stderr.write(text),
};

/** Ends a long-running command (watch) on SIGINT/SIGTERM. */
function onStop(stop: () => void): () => void {
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

async function main(args: string[]): Promise<number | undefined> {
  const argv = commandFirst(args);
  const [command, ...rest] = argv;
  if (command === 'server') {
    const { serverCommand } = await import('./server-command.js');
    return serverCommand(rest, io, process.env);
  }
  if (command === 'bench') return (await import('./bench/command.js')).benchCommand(rest, io, process.env);
  if (command === 'migrate') return (await import('./migrate-command.js')).migrateCommand(rest, io);
  if (isClientCommand(command)) return runClientCommand(argv, { io, env: process.env, onStop });
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.err(`unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
