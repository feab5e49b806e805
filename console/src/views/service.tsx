/**
 * One service: every instance (pulled-out ones too, from the management view) with status, zone,
 * metadata and lease age; pull-out / pull-in per instance, server and zone; its routing. Reloads
 * that one service when the push channel reports a change of it.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { audit, getJson, postJson } from '../api';
import { LEASE_KEYS, leaseAge, registry, type Instance } from '../live';
import { DataTable } from '../table';
import { Badge, Message, statusTone, useLoad } from '../ui';
import { ReasonAction } from './actions';
import { Routing } from './routing';

interface Operations<K> {
  key: K;
  operations: string[];
}

export interface PublishedRule {
  routeId: string | null;
  strategy: string | null;
  groups: Array<{ groupKey: string | null; weight: number | null; instanceIds: string[] | null }> | null;
}

interface ServiceData {
  instances: Instance[];
  routeRules: PublishedRule[];
  instanceOps: Map<string, string[]>;
  serverOps: Map<string, string[]>;
  zoneOps: Map<string, string[]>;
}

const PULLOUT = 'pullout';
/** Rows rendered at once in the instance table; a filter narrows larger services. */
const MAX_ROWS = 500;
const lower = (s: string | null | undefined) => (s ?? '').toLowerCase();

async function loadService(serviceId: string): Promise<ServiceData> {
  const [view, inst, servers, zones] = await Promise.all([
    postJson<{ service: { instances: Instance[] | null; routeRules: PublishedRule[] | null } | null }>('/api/management/service.json', { serviceId }),
    getJson<{ allInstanceOperations: Array<{ instanceKey: { instanceId: string; serviceId: string; regionId: string }; operations: string[] }> | null }>(
      '/api/management/all-instance-operations.json',
    ),
    getJson<{ allServerOperations: Array<{ serverKey: { serverId: string; regionId: string }; operations: string[] }> | null }>('/api/management/all-server-operations.json'),
    postJson<{ zoneOperationsList: Array<{ zoneKey: { zoneId: string; regionId: string }; operations: string[] }> | null }>('/api/management/zone/get-zone-operations-list.json', {
      serviceId,
    }),
  ]);
  const pick = <K,>(list: Array<Operations<K>>, name: (k: K) => string) => new Map(list.map((o) => [name(o.key), o.operations] as const));
  return {
    instances: view.service?.instances ?? [],
    routeRules: view.service?.routeRules ?? [],
    instanceOps: pick(
      (inst.allInstanceOperations ?? []).filter((o) => lower(o.instanceKey.serviceId) === lower(serviceId)).map((o) => ({ key: o.instanceKey, operations: o.operations })),
      (k) => lower(`${k.regionId}/${k.instanceId}`),
    ),
    serverOps: pick((servers.allServerOperations ?? []).map((o) => ({ key: o.serverKey, operations: o.operations })), (k) => lower(`${k.regionId}/${k.serverId}`)),
    zoneOps: pick((zones.zoneOperationsList ?? []).map((o) => ({ key: o.zoneKey, operations: o.operations })), (k) => lower(`${k.regionId}/${k.zoneId}`)),
  };
}

function Metadata({ metadata }: { metadata: Record<string, string | null> | null }) {
  const entries = Object.entries(metadata ?? {}).filter(([k]) => !LEASE_KEYS.has(k));
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="kv">
      {entries.map(([k, v]) => (
        <li key={k}>
          <span class="mono">{k}</span>=<span class="mono">{v ?? 'null'}</span>
        </li>
      ))}
    </ul>
  );
}

function OpsBadges({ ops, what }: { ops: string[] | undefined; what: string }) {
  if (ops === undefined || ops.length === 0) return null;
  return (
    <Badge tone="warn">
      {what} {ops.join(', ')}
    </Badge>
  );
}

export function ServiceView({ serviceId }: { serviceId: string }) {
  const data = useLoad(() => loadService(serviceId), [serviceId]);
  const [note, setNote] = useState<{ ok: string | null; error: string | null }>({ ok: null, error: null });
  const [now, setNow] = useState(Date.now());
  const [filter, setFilter] = useState('');
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = registry.onServiceChange((id) => {
      if (lower(id) !== lower(serviceId) || timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        data.reload();
      }, 150);
    });
    const clock = setInterval(() => setNow(Date.now()), 5_000);
    return () => {
      off();
      clearInterval(clock);
      if (timer !== null) clearTimeout(timer);
    };
  }, [serviceId, data.reload]);
  const done = (ok: string | null, error: string | null) => {
    setNote({ ok, error });
    data.reload();
  };
  const d = data.data;
  const instances = useMemo(() => {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    const all = [...(d?.instances ?? [])].sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    if (words.length === 0) return all;
    return all.filter((i) => {
      const text = `${i.instanceId} ${i.ip ?? ''} ${i.zoneId} ${i.status ?? ''} ${i.groupId ?? ''} ${JSON.stringify(i.metadata ?? {})}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
  }, [d, filter]);
  const servers = useMemo(() => [...new Map((d?.instances ?? []).filter((i) => i.ip).map((i) => [lower(`${i.regionId}/${i.ip}`), i] as const)).values()], [d]);
  const zones = useMemo(() => [...new Map((d?.instances ?? []).map((i) => [lower(`${i.regionId}/${i.zoneId}`), i] as const)).values()], [d]);

  const instanceOps = (i: Instance) => d?.instanceOps.get(lower(`${i.regionId}/${i.instanceId}`));
  const operateInstance = (i: Instance, complete: boolean) => (reason: string) =>
    postJson('/api/management/operate-instance.json', {
      instanceKey: { regionId: i.regionId, serviceId: i.serviceId, instanceId: i.instanceId },
      operationComplete: complete,
      ...audit(PULLOUT, reason),
    });
  const operateServer = (i: Instance, complete: boolean) => (reason: string) =>
    postJson('/api/management/operate-server.json', { serverKey: { regionId: i.regionId, serverId: i.ip }, operationComplete: complete, ...audit(PULLOUT, reason) });
  const operateZone = (i: Instance, complete: boolean) => (reason: string) =>
    postJson('/api/management/zone/operate-zone-operations.json', {
      zoneOperationsList: [{ zoneKey: { regionId: i.regionId, serviceId, zoneId: i.zoneId }, operations: [PULLOUT] }],
      operationComplete: complete,
      ...audit(PULLOUT, reason),
    });
  const up = (d?.instances ?? []).filter((i) => lower(i.status) === 'up').length;

  return (
    <div>
      <p>
        <a href="#/services">← Services</a>
      </p>
      <h1 class="mono">{serviceId}</h1>
      <Message error={data.error ?? note.error} ok={note.ok} />
      {d !== null && (
        <p class="muted" role="status">
          {d.instances.length} instance(s), {up} up, {d.instances.length - up} down or out of traffic
        </p>
      )}
      <section aria-label="Instances">
        <h2>Instances</h2>
        <div class="toolbar">
          <label class="grow">
            Filter instances
            <input type="search" value={filter} placeholder="id, ip, zone, status, metadata" onInput={(e) => setFilter(e.currentTarget.value)} />
          </label>
        </div>
        <DataTable
          class="instances"
          scroll
          rows={instances.slice(0, MAX_ROWS)}
          rowKey={(i) => `${i.regionId}/${i.instanceId}`}
          rowProps={(i) => ({ 'data-instance': i.instanceId })}
          columns={[
            {
              label: 'Instance',
              cell: (i) => (
                <>
                  <span class="mono">{i.instanceId}</span>
                  {i.groupId !== null && <div class="muted small">group {i.groupId}</div>}
                </>
              ),
            },
            {
              label: 'Status',
              cell: (i) => (
                <>
                  <Badge tone={statusTone(i.status)}>{i.status ?? '—'}</Badge> <OpsBadges ops={instanceOps(i)} what="instance:" />
                  <OpsBadges ops={d?.serverOps.get(lower(`${i.regionId}/${i.ip}`))} what="server:" />
                  <OpsBadges ops={d?.zoneOps.get(lower(`${i.regionId}/${i.zoneId}`))} what="zone:" />
                </>
              ),
            },
            { label: 'Zone', cell: (i) => i.zoneId },
            {
              label: 'Address',
              cellClass: 'mono small',
              cell: (i) => (
                <a href={i.url} rel="noreferrer noopener" target="_blank">
                  {i.url}
                </a>
              ),
            },
            { label: 'Metadata', cell: (i) => <Metadata metadata={i.metadata} /> },
            { label: 'Lease age', num: true, cell: (i) => leaseAge(i.metadata, now) },
            {
              label: 'Traffic',
              cell: (i) =>
                (instanceOps(i) ?? []).includes(PULLOUT) ? (
                  <ReasonAction label="Pull in" confirmLabel={`Confirm pull-in of ${i.instanceId}`} run={operateInstance(i, true)} done={done} />
                ) : (
                  <ReasonAction label="Pull out" danger confirmLabel={`Confirm pull-out of ${i.instanceId}`} run={operateInstance(i, false)} done={done} />
                ),
            },
          ]}
        />
        {d !== null && d.instances.length === 0 && <p class="muted">No instances.</p>}
        {instances.length > MAX_ROWS && (
          <p class="muted" role="status">
            Showing {MAX_ROWS} of {instances.length} matching instances; filter to narrow them down.
          </p>
        )}
      </section>
      <div class="two">
        <section aria-label="Servers">
          <h2>Servers</h2>
          <p class="muted small">A server pull-out takes every instance on that IP out of traffic, for every service.</p>
          <ul class="plain">
            {servers.map((i) => {
              const out = (d?.serverOps.get(lower(`${i.regionId}/${i.ip}`)) ?? []).includes(PULLOUT);
              return (
                <li key={i.ip} data-server={i.ip}>
                  <span class="mono">{i.ip}</span> {out && <Badge tone="warn">pulled out</Badge>}{' '}
                  {out ? (
                    <ReasonAction label="Pull in server" confirmLabel={`Confirm pull-in of server ${i.ip ?? ''}`} run={operateServer(i, true)} done={done} />
                  ) : (
                    <ReasonAction label="Pull out server" danger confirmLabel={`Confirm pull-out of server ${i.ip ?? ''}`} run={operateServer(i, false)} done={done} />
                  )}
                </li>
              );
            })}
          </ul>
        </section>
        <section aria-label="Zones">
          <h2>Zones</h2>
          <ul class="plain">
            {zones.map((i) => {
              const out = (d?.zoneOps.get(lower(`${i.regionId}/${i.zoneId}`)) ?? []).includes(PULLOUT);
              return (
                <li key={`${i.regionId}/${i.zoneId}`} data-zone={i.zoneId}>
                  <span class="mono">
                    {i.regionId} / {i.zoneId}
                  </span>{' '}
                  {out && <Badge tone="warn">pulled out</Badge>}{' '}
                  {out ? (
                    <ReasonAction label="Pull in zone" confirmLabel={`Confirm pull-in of zone ${i.zoneId}`} run={operateZone(i, true)} done={done} />
                  ) : (
                    <ReasonAction label="Pull out zone" danger confirmLabel={`Confirm pull-out of zone ${i.zoneId}`} run={operateZone(i, false)} done={done} />
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      </div>
      {d !== null && d.routeRules.length > 0 && (
        <section aria-label="Published route rules">
          <h2>Published route rules</h2>
          <p class="muted small">What discovery serves to clients now (released weights, canary IPs).</p>
          <ul class="plain">
            {d.routeRules.map((r) => (
              <li key={r.routeId ?? ''} data-published={r.routeId ?? ''}>
                <span class="mono">{r.routeId}</span> <span class="muted small">{r.strategy}</span>
                {(r.groups ?? []).map((g) => (
                  <Badge key={g.groupKey ?? ''} tone="info">
                    {g.groupKey ?? '?'} {g.weight ?? '—'}
                    {g.instanceIds !== null && g.instanceIds.length > 0 ? `: ${g.instanceIds.join(', ')}` : ''}
                  </Badge>
                ))}
              </li>
            ))}
          </ul>
        </section>
      )}
      <Routing serviceId={serviceId} regionId={d?.instances[0]?.regionId ?? 'default'} zoneId={d?.instances[0]?.zoneId ?? 'default'} />
    </div>
  );
}
