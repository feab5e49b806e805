import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { ConfigError, loadConfig, type ConfigSources } from '../../src/config/load.js';

/** A temporary directory for config files, made before the file's tests and removed after them. */
export function tempConfigDir(): { writeTemp: (name: string, text: string) => string; tempPath: (name: string) => string } {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'artemis-config-test-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const tempPath = (name: string) => join(dir, name);
  return {
    tempPath,
    writeTemp: (name, text) => {
      const p = tempPath(name);
      writeFileSync(p, text, 'utf8');
      return p;
    },
  };
}

/** Runs loadConfig and returns its ConfigError (fails the test when it does not throw one). */
export function problemsOf(sources: ConfigSources): string[] {
  try {
    loadConfig(sources);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}
