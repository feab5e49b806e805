/** Cluster: gossip members with state, incarnation, heartbeat and replication queue; each node's status. */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api';
import { ago } from '../live';
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

export function MembersTable({ members, compact = false }: { members: Member[]; compact?: boolean }) {
  return (
    <div class="scroll-x">
      <table class="members">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">State</th>
            <th scope="col">Status</th>
            {!compact && <th scope="col">Zone</th>}
            {!compact && <th scope="col">Source</th>}
            {!compact && <th scope="col" class="num">Incarnation</th>}
            {!compact && <th scope="col" class="num">Heartbeat</th>}
            <th scope="col" class="num">Silent</th>
            <th scope="col" class="num" title="Replication queue depth to this peer">
              Queue
            </th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.nodeId} data-node={m.nodeId}>
              <td>
                <span class="mono">{m.nodeId}</span>
                {m.source === 'self' && <Badge tone="info">this node</Badge>}
                <div class="muted small">{m.url}</div>
              </td>
              <td>
                <Badge tone={statusTone(m.state)}>{m.state}</Badge>
              </td>
              <td>
                <Badge tone={statusTone(m.status)}>{m.status ?? '—'}</Badge>
              </td>
              {!compact && <td>{[m.regionId, m.zoneId].filter(Boolean).join(' / ') || '—'}</td>}
              {!compact && <td>{m.source}</td>}
              {!compact && <td class="num mono">{m.incarnation ?? '—'}</td>}
              {!compact && <td class="num">{m.heartbeat ?? '—'}</td>}
              <td class="num">{m.silentMs === null ? '—' : ago(m.silentMs)}</td>
              <td class="num">{m.replicationQueue ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
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
          <table>
            <thead>
              <tr>
                <th scope="col">Node URL</th>
                <th scope="col">Zone</th>
                <th scope="col">Status</th>
                <th scope="col">Registry</th>
                <th scope="col">Discovery</th>
              </tr>
            </thead>
            <tbody>
              {nodes.data.map((n) => (
                <tr key={n.node.url}>
                  <td class="mono">{n.node.url}</td>
                  <td>{[n.node.zone?.regionId, n.node.zone?.zoneId].filter(Boolean).join(' / ')}</td>
                  <td>
                    <Badge tone={statusTone(n.status)}>{n.status}</Badge>
                  </td>
                  <td>{n.canServiceRegistry === true ? 'yes' : 'no'}</td>
                  <td>{n.canServiceDiscovery === true ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
