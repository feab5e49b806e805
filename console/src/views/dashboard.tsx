/** Dashboard: fleet size, this node and its peers, self-preservation, store, security, rates. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { getJson, PREFIX } from '../api';
import { registry } from '../live';
import { sampler } from '../metrics';
import { Badge, LineChart, Message, statusTone, useLoad, useSubscription } from '../ui';
import { fetchMembers, MembersTable } from './cluster';

interface NodeStatusAnswer {
  nodeStatus?: Record<string, unknown> & { status?: string; node?: { url?: string; zone?: { regionId?: string; zoneId?: string } } };
  [key: string]: unknown;
}

/** `{ key: k, value: v, typedValue: …` → v (JSON), as status/config.json writes each property. */
export function configValues(properties: Record<string, string> | null | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, text] of Object.entries(properties ?? {})) {
    const m = /value: (.*), typedValue: /.exec(text);
    if (m === null) continue;
    try {
      out.set(key, JSON.parse(m[1]!));
    } catch {
      out.set(key, m[1]);
    }
  }
  return out;
}

const blank = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** Warnings from what the node exposes: explicit `warnings` lists, then what its settings show. */
export function securityWarnings(status: NodeStatusAnswer | null, config: Map<string, unknown>): string[] {
  const out: string[] = [];
  const lists = [status?.['warnings'], status?.nodeStatus?.['warnings'], (status?.['security'] as { warnings?: unknown } | undefined)?.warnings];
  for (const list of lists) if (Array.isArray(list)) for (const w of list) if (typeof w === 'string' && !out.includes(w)) out.push(w);
  const keyNames = [...config.keys()];
  const secretKeys = keyNames.filter((k) => /^cluster\.(secret|key|secrets?File|keyFile)$/i.test(k));
  if (secretKeys.length > 0 && secretKeys.every((k) => blank(config.get(k)))) out.push('No cluster key: gossip and replication calls between nodes are not authenticated.');
  const authKeys = keyNames.filter((k) => /^(auth|security)\./i.test(k) && /(enabled|required|management|mode)/i.test(k));
  const authOn = authKeys.some((k) => {
    const v = config.get(k);
    return v === true || (typeof v === 'string' && !/^(off|false|none|disabled|)$/i.test(v));
  });
  if (!authOn) out.push('Management auth is off: anyone who reaches this node can pull out instances and change route rules.');
  return out;
}

function Card({ label, value, tone, note }: { label: string; value: string | number; tone?: 'ok' | 'warn' | 'bad' | 'info'; note?: string }) {
  return (
    <section class={`card ${tone ?? ''}`} aria-label={label}>
      <h3>{label}</h3>
      <p class="big">{typeof value === 'number' ? value.toLocaleString('en') : value}</p>
      {note !== undefined && <p class="muted small">{note}</p>}
    </section>
  );
}

export function Dashboard() {
  useSubscription(registry.subscribe);
  const [, setTick] = useState(0);
  useEffect(() => sampler.use(() => setTick((t) => t + 1)), []);
  const [refresh, setRefresh] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setRefresh((r) => r + 1), 10_000);
    return () => clearInterval(t);
  }, []);
  const status = useLoad(() => getJson<NodeStatusAnswer>('/api/status/node.json'), [refresh]);
  const members = useLoad(fetchMembers, [refresh]);
  const ready = useLoad(async () => {
    const res = await fetch(`${PREFIX}/ready`);
    return ((await res.json()) as { status?: string }).status ?? `HTTP ${res.status}`;
  }, [refresh]);
  const config = useLoad(async () => configValues((await getJson<{ properties?: Record<string, string> }>('/api/status/config.json')).properties), []);

  const services = registry.services.size;
  const instances = registry.instanceCount();
  const top = useMemo(
    () =>
      [...registry.services.values()]
        .sort((a, b) => b.instances.size - a.instances.size || a.id.localeCompare(b.id))
        .slice(0, 8),
    [registry.revision],
  );
  const node = status.data?.nodeStatus;
  const alive = (members.data ?? []).filter((m) => m.state === 'alive').length;
  const gauges = sampler.last?.gauges;
  const unsafe = (gauges?.unsafe ?? 0) > 0;
  const store = (node?.['store'] ?? status.data?.['store']) as { healthy?: boolean; status?: string; message?: string } | undefined;
  const storeText = store === undefined ? (ready.data === 'ready' ? 'ok' : (ready.data ?? '…')) : (store.status ?? (store.healthy === false ? 'unreachable' : 'ok'));
  const warnings = securityWarnings(status.data, config.data ?? new Map<string, unknown>());
  const pts = sampler.points;
  const times = pts.map((p) => p.at);
  return (
    <div class="dashboard">
      <h1>Dashboard</h1>
      {registry.error !== null && <Message error={`Registry: ${registry.error}`} />}
      <div class="cards">
        <Card label="Services" value={registry.loaded ? services : '…'} />
        <Card label="Instances" value={registry.loaded ? instances : '…'} note="served by discovery" />
        <Card label="This node" value={node?.status ?? '…'} tone={statusTone(node?.status)} note={node?.node?.url} />
        <Card label="Cluster members" value={members.data === null ? '…' : `${alive} / ${members.data.length}`} tone={members.data !== null && alive < members.data.length ? 'warn' : 'ok'} note="alive / known" />
        <Card label="Self-preservation" value={gauges === undefined ? '…' : unsafe ? 'ON' : 'off'} tone={unsafe ? 'warn' : 'ok'} note={unsafe ? 'leases are not expiring: too few renewals' : 'leases expire normally'} />
        <Card label="Store" value={storeText} tone={statusTone(storeText === 'ok' ? 'ok' : storeText)} note={store?.message ?? 'management store, readiness'} />
      </div>
      {warnings.length > 0 && (
        <section class="warnings" aria-label="Security warnings">
          <h2>Security</h2>
          <ul>
            {warnings.map((w) => (
              <li key={w}>
                <Badge tone="warn">warning</Badge> {w}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-label="Rates">
        <h2>Traffic</h2>
        {sampler.error !== null && <Message error={`Metrics: ${sampler.error}`} />}
        <div class="charts">
          <LineChart title="Heartbeats" unit="/s" times={times} series={[{ label: 'instances', className: 's1', values: pts.map((p) => p.heartbeatsPerSec) }]} />
          <LineChart title="Discovery reads" unit="/s" times={times} series={[{ label: 'requests', className: 's2', values: pts.map((p) => p.discoveriesPerSec) }]} />
          <LineChart
            title="Latency (registry + discovery)"
            unit="ms"
            times={times}
            series={[
              { label: 'p50', className: 's1', values: pts.map((p) => p.p50) },
              { label: 'p99', className: 's3', values: pts.map((p) => p.p99) },
            ]}
          />
        </div>
      </section>
      <div class="two">
        <section aria-label="Nodes">
          <h2>Nodes</h2>
          <Message error={members.error} />
          {members.data !== null && <MembersTable members={members.data} compact />}
        </section>
        <section aria-label="Largest services">
          <h2>Largest services</h2>
          {top.length === 0 ? (
            <p class="muted">No instances registered yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col" class="num">
                    Instances
                  </th>
                </tr>
              </thead>
              <tbody>
                {top.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <a href={`#/service/${encodeURIComponent(s.id)}`}>{s.id}</a>
                    </td>
                    <td class="num">{s.instances.size}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p>
            <a href="#/services">All {services.toLocaleString('en')} services →</a>
          </p>
        </section>
      </div>
    </div>
  );
}
