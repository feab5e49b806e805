/** Cluster: gossip members with state, incarnation, heartbeat and replication queue; each node's status. */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api';
import { ago } from '../live';
import { DataTable } from '../table';
import { Badge, Message, statusTone, useLoad } from '../ui';

export interface Member {
  nodeId: string;
  url: string;
  source: string;
  state: string;
  status: string | null;
  regionId: string | null;
  zoneId: string | null;
  incarnation: number | null;
  heartbeat: number | null;
  silentMs: number | null;
  replicationQueue: number | null;
}

export async function fetchMembers(): Promise<Member[]> {
  return (await getJson<{ members: Member[] | null }>('/api/cluster/members.json')).members ?? [];
}

const dash = (v: string | number | null | undefined) => (v === null || v === undefined || v === '' ? '—' : v);

export function MembersTable({ members, compact = false }: { members: Member[]; compact?: boolean }) {
  return (
    <DataTable
      class="members"
      scroll
      rows={members}
      rowKey={(m) => m.nodeId}
      rowProps={(m) => ({ 'data-node': m.nodeId })}
      columns={[
        {
          label: 'Node',
          cell: (m) => (
            <>
              <span class="mono">{m.nodeId}</span>
              {m.source === 'self' && <Badge tone="info">this node</Badge>}
              <div class="muted small">{m.url}</div>
            </>
          ),
        },
        { label: 'State', cell: (m) => <Badge tone={statusTone(m.state)}>{m.state}</Badge> },
        { label: 'Status', cell: (m) => <Badge tone={statusTone(m.status)}>{dash(m.status)}</Badge> },
        !compact && { label: 'Zone', cell: (m) => dash([m.regionId, m.zoneId].filter(Boolean).join(' / ')) },
        !compact && { label: 'Source', cell: (m) => m.source },
        !compact && { label: 'Incarnation', num: true, cellClass: 'mono', cell: (m) => dash(m.incarnation) },
        !compact && { label: 'Heartbeat', num: true, cell: (m) => dash(m.heartbeat) },
        { label: 'Silent', num: true, cell: (m) => (m.silentMs === null ? '—' : ago(m.silentMs)) },
        { label: 'Queue', num: true, title: 'Replication queue depth to this peer', cell: (m) => dash(m.replicationQueue) },
      ]}
    />
  );
}

interface NodeStatusEntry {
  node: { url: string; zone?: { regionId?: string; zoneId?: string } };
  status: string;
  canServiceDiscovery?: boolean;
  canServiceRegistry?: boolean;
}

export function Cluster() {
  const [refresh, setRefresh] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setRefresh((r) => r + 1), 5_000);
    return () => clearInterval(t);
  }, []);
  const members = useLoad(fetchMembers, [refresh]);
  const nodes = useLoad(async () => (await getJson<{ nodesStatus: NodeStatusEntry[] | null }>('/api/status/cluster.json')).nodesStatus ?? [], [refresh]);
  return (
    <div>
      <h1>Cluster</h1>
      <p class="muted">Gossip membership as this node sees it; refreshed every 5 s.</p>
      <Message error={members.error} />
      {members.data !== null && (
        <section aria-label="Members">
          <h2>
            Members <span class="muted">({members.data.length})</span>
          </h2>
          <MembersTable members={members.data} />
        </section>
      )}
      <section aria-label="Node health">
        <h2>Node health</h2>
        <Message error={nodes.error} />
        {nodes.data !== null && (
          <DataTable
            rows={nodes.data}
            rowKey={(n) => n.node.url}
            columns={[
              { label: 'Node URL', cellClass: 'mono', cell: (n) => n.node.url },
              { label: 'Zone', cell: (n) => [n.node.zone?.regionId, n.node.zone?.zoneId].filter(Boolean).join(' / ') },
              { label: 'Status', cell: (n) => <Badge tone={statusTone(n.status)}>{n.status}</Badge> },
              { label: 'Registry', cell: (n) => (n.canServiceRegistry === true ? 'yes' : 'no') },
              { label: 'Discovery', cell: (n) => (n.canServiceDiscovery === true ? 'yes' : 'no') },
            ]}
          />
        )}
      </section>
    </div>
  );
}
