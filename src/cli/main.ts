#!/usr/bin/env node
// first: holds a nextTick queue entry before anything else runs (see the module)
import '../core/tick-maps.js';
import { packageVersion } from '../telemetry/build-info.js';
import { CLIENT_GROUPS, CLIENT_USAGE, commandFirst, isClientCommand, runClientCommand, STANDALONE_COMMANDS } from './client-commands.js';
import { didYouMean } from './common.js';

const USAGE = `Usage: artemis <command> [options]

Commands:
  server                    start a registry node (artemis server --help for options)
  bench <scenario>          load-test a node (artemis bench --help)
  migrate                   copy management state and logs between stores (artemis migrate --help)
${CLIENT_USAGE}  completion bash|zsh       print a shell completion script (artemis completion --help)

Every command takes --help; artemis --version prints the version. Client commands talk to
--url (or ARTEMIS_URL, default http://127.0.0.1:8080) and print tables, or JSON with --json.
Exit codes: 0 ok, 1 failed, 2 usage.
`;

/** Every word that can follow `artemis`, for "did you mean". */
const TOP_LEVEL = ['server', 'bench', 'migrate', 'completion', 'help', 'version', ...Object.keys(CLIENT_GROUPS), ...STANDALONE_COMMANDS];

// Output into a closed pipe (`artemis service list | head -1`): stop writing and end quietly,
// as with SIGPIPE. A long-running command (watch, register --keepalive) is stopped as by Ctrl-C
// so it can clean up; any other command exits at once.
let stdoutClosed = false;
const stopHooks = new Set<() => void>();

function pipeClosed(): void {
  if (stdoutClosed) return;
  stdoutClosed = true;
  if (stopHooks.size === 0) process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  for (const stop of [...stopHooks]) stop();
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') pipeClosed();
  else throw err;
});
process.stderr.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});
process.on('SIGPIPE', pipeClosed);

const io = {
  out: (text: string) => {
    if (!stdoutClosed) process.stdout.write(text);
  },
  err: (text: string) => process.stderr.write(text),
};

/** Ends a long-running command (watch, register --keepalive) on SIGINT/SIGTERM or a closed stdout. */
function onStop(stop: () => void): () => void {
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  stopHooks.add(stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    stopHooks.delete(stop);
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
  if (command === 'completion') return (await import('./completion.js')).completionCommand(rest, io);
  if (isClientCommand(command)) return runClientCommand(argv, { io, env: process.env, onStop });
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    case '-V':
    case '--version':
    case 'version':
      io.out(`artemis ${packageVersion()}\n`);
      return 0;
    default: {
      const what = command.startsWith('-') ? 'option' : 'command';
      const candidates = command.startsWith('-') ? ['--help', '--version'] : TOP_LEVEL;
      io.err(`artemis: unknown ${what}: ${command}${didYouMean(command, candidates)}\nUsage: artemis <command> [options]   (artemis --help lists the commands)\n`);
      return 2;
    }
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
