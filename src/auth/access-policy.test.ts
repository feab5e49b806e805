import { describe, expect, it } from 'vitest';
import { Scheduler } from '../core/scheduler.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { AccessPolicy, type SecuritySettings } from './access-policy.js';
import { AddressRanges } from './address-ranges.js';
import { grants } from './scopes.js';
import { TokenRegistry } from './token-registry.js';

const settings = (over: Partial<SecuritySettings> = {}): SecuritySettings => ({
  managementAuth: true,
  read: { requireToken: false, allowedCidrs: [] },
  register: { requireToken: false, allowedCidrs: [] },
  operate: { allowedCidrs: [] },
  admin: { allowedCidrs: [] },
  ...over,
});

async function registry(): Promise<{ tokens: TokenRegistry; close: () => Promise<void> }> {
  const store = new SqliteStore(':memory:');
  await store.init();
  const tokens = new TokenRegistry({ store, clock: { now: () => 1_000 }, scheduler: new Scheduler(() => undefined), refreshIntervalMs: 60_000, onError: () => undefined });
  await tokens.start();
  return { tokens, close: async () => (await tokens.stop(), await store.close()) };
}

describe('scopes', () => {
  it('admin grants every scope, operate also read, the others only themselves', () => {
    expect(grants(['admin'], 'register')).toBe(true);
    expect(grants(['operate'], 'read')).toBe(true);
    expect(grants(['operate'], 'register')).toBe(false);
    expect(grants(['operate'], 'admin')).toBe(false);
    expect(grants(['register'], 'read')).toBe(false);
    expect(grants(['read', 'register'], 'operate')).toBe(false);
  });
});

describe('AddressRanges', () => {
  it('matches IPv4, IPv6 and IPv4-mapped addresses; single addresses; nothing else', () => {
    const r = new AddressRanges(['10.0.0.0/8', 'fd00::/8', '192.168.1.7']);
    expect(r.has('10.200.3.4')).toBe(true);
    expect(r.has('::ffff:10.1.1.1')).toBe(true);
    expect(r.has('fd12::1')).toBe(true);
    expect(r.has('192.168.1.7')).toBe(true);
    expect(r.has('192.168.1.8')).toBe(false);
    expect(r.has('11.0.0.1')).toBe(false);
    expect(r.has('local')).toBe(false);
    expect(r.has('')).toBe(false);
  });
});

describe('AccessPolicy', () => {
  it('checks nothing for read and register by default; management writes need an operate token', async () => {
    const { tokens, close } = await registry();
    try {
      const policy = new AccessPolicy(settings(), tokens);
      expect(policy.checkedScopes()).toEqual(['operate', 'admin']);
      expect(policy.check('register', '1.2.3.4', undefined)).toEqual({ ok: true, caller: undefined });
      expect(policy.check('operate', '1.2.3.4', undefined)).toMatchObject({ ok: false });
      const { secret } = await tokens.create({ name: 'ops', scopes: ['operate'], createdBy: 'test' });
      expect(policy.check('operate', '1.2.3.4', `Bearer ${secret}`)).toMatchObject({ ok: true, caller: { name: 'ops' } });
      expect(policy.check('operate', '1.2.3.4', `bearer  ${secret} `)).toMatchObject({ ok: true });
      expect(policy.check('operate', '1.2.3.4', undefined, secret)).toMatchObject({ ok: true });
      expect(policy.check('admin', '1.2.3.4', `Bearer ${secret}`)).toMatchObject({ ok: false });
      expect(policy.check('operate', '1.2.3.4', `Bearer ${secret}x`)).toMatchObject({ ok: false });
      // a header wins over the body: a wrong header is not rescued by a right body token
      expect(policy.check('operate', '1.2.3.4', 'Bearer nope', secret)).toMatchObject({ ok: false });
      await tokens.revoke('ops');
      expect(policy.check('operate', '1.2.3.4', `Bearer ${secret}`)).toMatchObject({ ok: false });
    } finally {
      await close();
    }
  });

  it('with management auth off, management writes pass; address ranges still hold', async () => {
    const { tokens, close } = await registry();
    try {
      const policy = new AccessPolicy(settings({ managementAuth: false, operate: { allowedCidrs: ['10.0.0.0/8'] } }), tokens);
      expect(policy.check('admin', '1.2.3.4', undefined)).toEqual({ ok: true, caller: undefined });
      expect(policy.check('operate', '10.1.2.3', undefined)).toEqual({ ok: true, caller: undefined });
      expect(policy.check('operate', '1.2.3.4', undefined)).toMatchObject({ ok: false });
    } finally {
      await close();
    }
  });
});
