import { describe, expect, it } from 'vitest';
import { ConfigError, advertisedUrl, loadConfig, readConfigFile } from './load.js';
import { problemsOf, tempConfigDir } from '../../test/helpers/config-files.js';

const { writeTemp, tempPath } = tempConfigDir();

/** loadConfig: dotted flags, validation, config files, the frozen result and redaction. */

describe('loadConfig: --set style dotted flags', () => {
  it('converts raw strings to the leaf type and takes typed values as they are', () => {
    const { config, origins } = loadConfig({
      flags: {
        'registry.selfPreservation.enabled': 'false',
        'rateLimit.registry.limits': 'register:5, unregister:6',
        'limits.maxInstancesPerRequest': '77',
        'rateLimit.cluster.defaultLimit': 500,
        'registry.allowFromOtherZone': false,
        regionId: 'FLAG',
        nodeId: undefined,
      },
    });
    expect(config.registry.selfPreservation.enabled).toBe(false);
    expect(config.rateLimit.registry.limits).toEqual({ register: 5, unregister: 6 });
    expect(config.limits.maxInstancesPerRequest).toBe(77);
    expect(config.rateLimit.cluster.defaultLimit).toBe(500);
    expect(config.registry.allowFromOtherZone).toBe(false);
    expect(config.regionId).toBe('FLAG');
    expect(origins.get('regionId')).toBe('flags');
    expect(origins.get('nodeId')).toBe('defaults');
  });

  it('rejects an unknown dotted key and a value of the wrong type', () => {
    expect(problemsOf({ flags: { 'registry.lease.ttl': 5 } })).toEqual(['unknown configuration key registry.lease.ttl']);
    const problems = problemsOf({ flags: { 'registry.lease.ttlMs': 'soon' } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('registry.lease.ttlMs');
    expect(problems[0]).toContain('"soon"');
  });
});

describe('loadConfig: validation', () => {
  it('lists every problem at once, from every source', () => {
    const file = readConfigFile(
      writeTemp('bad.yaml', ['bogusTopLevel: 1', 'registry:', '  lease:', '    sweepIntervalMs: 1', '  bogusNested: true', 'limits:', '  maxBodyBytes: 10', ''].join('\n')),
    );
    const problems = problemsOf({
      file,
      env: { ARTEMIS_RATE_LIMIT_WINDOW_MS: 'ten seconds', ARTEMIS_REGISTRY_ALLOW_FROM_OTHER_ZONE: 'yes' },
      flags: { port: '99999', 'no.such.key': 1, logLevel: 'loud' },
    });
    const expectOne = (needle: RegExp) => expect(problems.filter((p) => needle.test(p)), `${needle} in ${JSON.stringify(problems)}`).toHaveLength(1);
    expectOne(/ARTEMIS_RATE_LIMIT_WINDOW_MS.*"ten seconds"/);
    expectOne(/ARTEMIS_REGISTRY_ALLOW_FROM_OTHER_ZONE.*"yes"/);
    expectOne(/unknown configuration key no\.such\.key/);
    expectOne(/^port\b.*: Too big/);
    expectOne(/^logLevel\b/);
    expectOne(/bogusTopLevel/);
    expectOne(/^registry\b.*bogusNested/);
    expectOne(/^registry\.lease\.sweepIntervalMs\b/);
    expectOne(/^limits\.maxBodyBytes\b/);
    expect(problems).toHaveLength(9);
  });

  it('the ConfigError message names every problem', () => {
    try {
      loadConfig({ flags: { port: -1, 'registry.lease.ttlMs': 1 } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const e = err as ConfigError;
      expect(e.problems).toHaveLength(2);
      for (const p of e.problems) expect(e.message).toContain(p);
      expect(e.message.startsWith('Invalid configuration:')).toBe(true);
    }
  });

  it('rejects unknown keys in the file, at any depth', () => {
    const top = problemsOf({ file: readConfigFile(writeTemp('u1.json', JSON.stringify({ prot: 80 }))) });
    expect(top).toHaveLength(1);
    expect(top[0]).toContain('prot');
    const nested = problemsOf({ file: readConfigFile(writeTemp('u2.json', JSON.stringify({ rateLimit: { perClient: { limits: 5 } } }))) });
    expect(nested).toHaveLength(1);
    expect(nested[0]).toMatch(/^rateLimit\.perClient\b.*limits/);
  });

  it('rejects values of the wrong type in the file', () => {
    const problems = problemsOf({ file: readConfigFile(writeTemp('t.yaml', 'port: eighty\nregistry:\n  allowFromOtherZone: 3\n')) });
    expect(problems.filter((p) => /^port\b/.test(p))).toHaveLength(1);
    expect(problems.filter((p) => /^registry\.allowFromOtherZone\b/.test(p))).toHaveLength(1);
  });

  it('an unknown ARTEMIS_* variable only warns; other variables are ignored silently', () => {
    const { config, warnings } = loadConfig({ env: { ARTEMIS_NO_SUCH_THING: '1', ARTEMIS_PORT: '9090', HOME: '/root', artemis_port: '1' } });
    expect(config.port).toBe(9090);
    expect(warnings).toEqual(['unknown environment variable ARTEMIS_NO_SUCH_THING ignored']);
  });
});

describe('readConfigFile', () => {
  it('reports an unreadable file, invalid YAML and a non-object top level as ConfigError', () => {
    const expectProblem = (fn: () => unknown, needle: string) => {
      try {
        fn();
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems).toHaveLength(1);
        expect((err as ConfigError).problems[0]).toContain(needle);
      }
    };
    expectProblem(() => readConfigFile(tempPath('missing.yaml')), 'cannot read config file');
    expectProblem(() => readConfigFile(writeTemp('broken.yaml', 'port: [1, 2\n  x: : :')), 'is not valid YAML/JSON');
    expectProblem(() => readConfigFile(writeTemp('list.yaml', '- 1\n- 2\n')), 'must hold an object at the top level');
    expectProblem(() => readConfigFile(writeTemp('scalar.json', '42')), 'must hold an object at the top level');
  });

  it('an empty file is an empty configuration', () => {
    const file = readConfigFile(writeTemp('empty.yaml', ''));
    expect(file.values).toEqual({});
    expect(loadConfig({ file }).config.port).toBe(8080);
  });
});

describe('loadConfig: result', () => {
  it('is deeply frozen', () => {
    const { config } = loadConfig({ flags: { 'rateLimit.registry.limits': { register: 3 } } });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.registry)).toBe(true);
    expect(Object.isFrozen(config.registry.lease)).toBe(true);
    expect(Object.isFrozen(config.rateLimit.registry.limits)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.registry.lease as { ttlMs: number }).ttlMs = 1;
    }).toThrow(TypeError);
    expect(() => {
      config.rateLimit.registry.limits['heartbeat'] = 1;
    }).toThrow(TypeError);
    expect(config.port).toBe(8080);
  });

  it('does not freeze or change the objects it was given', () => {
    const values = { registry: { lease: { ttlMs: 5_000 } }, rateLimit: { status: { limits: { 'get-leases': 4 } } } };
    const flagRecord = { register: 9 };
    const { config } = loadConfig({ file: { path: 'inline', values }, flags: { 'rateLimit.registry.limits': flagRecord } });
    expect(Object.isFrozen(values.registry.lease)).toBe(false);
    expect(Object.isFrozen(values.rateLimit.status.limits)).toBe(false);
    expect(Object.isFrozen(flagRecord)).toBe(false);
    values.registry.lease.ttlMs = 6_000;
    flagRecord.register = 10;
    expect(config.registry.lease.ttlMs).toBe(5_000);
    expect(config.rateLimit.registry.limits).toEqual({ register: 9 });
  });

  it.each([
    ['artemis-web', '/artemis-web'],
    ['/artemis-web/', '/artemis-web'],
    ['artemis-web///', '/artemis-web'],
    ['  /artemis-web  ', '/artemis-web'],
    ['/a/b/', '/a/b'],
    ['/', ''],
    ['', ''],
  ])('normalises contextPath %j to %j', (raw, expected) => {
    expect(loadConfig({ flags: { contextPath: raw } }).config.contextPath).toBe(expected);
  });

  it('drops trailing slashes of nodeUrl; advertisedUrl prefers it, else builds one from host, port and context path', () => {
    const withUrl = loadConfig({ flags: { nodeUrl: 'http://10.0.0.5:8080/artemis-service/' } }).config;
    expect(withUrl.nodeUrl).toBe('http://10.0.0.5:8080/artemis-service');
    expect(advertisedUrl(withUrl, 1234)).toBe('http://10.0.0.5:8080/artemis-service');
    const built = loadConfig({ flags: { host: '127.0.0.1', contextPath: 'ctx/' } }).config;
    expect(advertisedUrl(built, 1234)).toBe('http://127.0.0.1:1234/ctx');
  });
});

describe('redaction', () => {
  it('masks the cluster keys and URL passwords, and nothing else', async () => {
    const { redactedValue, redactedConfig } = await import('./load.js');
    expect(redactedValue('cluster.key', 's3cret')).toBe('***');
    expect(redactedValue('cluster.key', '')).toBe('');
    expect(redactedValue('cluster.previousKeys', ['a', 'b'])).toEqual(['***', '***']);
    expect(redactedValue('store.url', 'redis://:pw@redis:6379/0')).toBe('redis://:***@redis:6379/0');
    expect(redactedValue('store.url', 'redis://user:pw@redis:6379/0')).toBe('redis://user:***@redis:6379/0');
    expect(redactedValue('store.url', 'redis://redis:6379/0')).toBe('redis://redis:6379/0');
    expect(redactedValue('cluster.peers', ['http://u:pw@10.0.0.2:8080', 'http://10.0.0.3:8080'])).toEqual(['http://u:***@10.0.0.2:8080', 'http://10.0.0.3:8080']);
    const key = 'xyz'.repeat(11);
    const { config } = loadConfig({ flags: { 'cluster.key': key, 'store.url': 'redis://:pw@h:1/0', 'cluster.seeds': 'http://u:pw2@h:1' } });
    const shown = JSON.stringify(redactedConfig(config));
    expect(shown).not.toContain('xyz');
    expect(shown).toContain('"key":"***"');
    expect(shown).not.toContain('pw@');
    expect(shown).not.toContain('pw2');
    expect(shown).toContain('http://u:***@h:1');
    expect(config.cluster.key).toBe(key);
  });
});
