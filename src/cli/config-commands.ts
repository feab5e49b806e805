import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Api } from './api.js';
import { CommandError, formatTable, printJson, propertyValue, type CommonFlags, type Io, type Values } from './common.js';
import { conversionYaml, convertProperties } from './config-convert.js';

export const CONVERT_OPTIONS = { out: { type: 'string' as const } };
export const CONVERT_HELP = `Converts a Java Artemis server property file (artemis.properties) into a config file for
--config, and lists every key it cannot map with the reason.

Options:
  --out <file>   write the YAML config there instead of standard output
`;

/** `artemis config convert <file>`: prints or writes the YAML config, reports unmapped keys on stderr. */
export function configConvert(flags: CommonFlags, io: Io, values: Values, file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CommandError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const result = convertProperties(text);
  try {
    loadConfig({ file: { path: file, values: result.values } });
  } catch (err) {
    if (err instanceof ConfigError) throw new CommandError(`the converted values are not valid: ${err.problems.join('; ')}`);
    throw err;
  }
  if (flags.json) {
    printJson(io, result);
    return 0;
  }
  const yaml = conversionYaml(result);
  if (typeof values.out === 'string') writeFileSync(values.out, yaml);
  else io.out(yaml);
  io.err(`mapped ${result.mapped.length} key(s), could not map ${result.unmapped.length}:\n`);
  if (result.unmapped.length > 0) io.err(formatTable(['JAVA KEY', 'REASON'], result.unmapped.map((u) => [u.javaKey, u.reason])));
  return 0;
}

/** `artemis config show`: the effective configuration of a node, key by key with its source. */
export async function configShow(api: Api, flags: CommonFlags, io: Io): Promise<number> {
  const body = await api.ok('/api/status/config.json');
  const properties = (body.properties ?? {}) as Record<string, string>;
  if (flags.json) {
    printJson(io, properties);
    return 0;
  }
  const rows = Object.entries(properties).map(([key, text]) => {
    const value = propertyValue(text);
    const source = /source: ([a-z]+) \}$/.exec(text)?.[1] ?? '';
    return [key, value, source];
  });
  io.out(formatTable(['KEY', 'VALUE', 'SOURCE'], rows));
  return 0;
}
