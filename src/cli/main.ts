#!/usr/bin/env node
import { serverCommand, SERVER_USAGE } from './server-command.js';

const USAGE = `Usage: artemis <command> [options]

Commands:
  server    start a registry node (artemis server --help for options)
`;

const io = {
  out: (text: string) => process.stdout.write(text),
  err: (text: string) => process.stderr.write(text),
};

async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server':
      return serverCommand(rest, io, process.env);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.out(`${USAGE}\n${SERVER_USAGE}`);
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
