import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** What a child process wrote and how it ended. */
export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** The CLI's entry point in the sources (run under tsx). */
export const CLI_SOURCE = join(import.meta.dirname, '../../src/cli/main.ts');

/** This process's environment without its ARTEMIS_* variables, plus `env`: a child CLI reads only what a test gives it. */
export function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ARTEMIS_'))), ...env };
}

/** Starts the CLI from its sources with `args`, in {@link cleanEnv} plus `env`. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, ['--import', 'tsx', CLI_SOURCE, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Collects a child's stdout and stderr until it exits; kills it (SIGKILL) after `timeoutMs`. */
export async function finish(child: ChildProcess, timeoutMs = 20_000): Promise<ChildRun> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, out, err };
}

/** Runs the CLI from its sources to its end (see {@link startCli} and {@link finish}). */
export function runCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs?: number): Promise<ChildRun> {
  return finish(startCli(args, env), timeoutMs);
}
