/** Dashboard: fleet size, this node and its peers, self-preservation, store, security, rates. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { getJson, PREFIX } from '../api';
import { registry } from '../live';
import { sampler } from '../metrics';
import { DataTable } from '../table';
import { Badge, LineChart, Message, statusTone, useLoad, useSubscription } from '../ui';
import { configValues, securityWarnings, type NodeStatusAnswer } from '../warnings';
import { fetchMembers, MembersTable } from './cluster';

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
  const warnings = securityWarnings(config.data ?? new Map<string, unknown>());
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
            <DataTable
              rows={top}
              rowKey={(s) => s.id}
              columns={[
                { label: 'Service', cell: (s) => <a href={`#/service/${encodeURIComponent(s.id)}`}>{s.id}</a> },
                { label: 'Instances', num: true, cell: (s) => s.instances.size },
              ]}
            />
          )}
          <p>
            <a href="#/services">All {services.toLocaleString('en')} services →</a>
          </p>
        </section>
      </div>
    </div>
  );
}
