/**
 * Routing of one service: its route rules with each group's released (published) and pending
 * weight, editing pending weights and releasing them; its groups; canary IPs.
 */
import { useState } from 'preact/hooks';
import { audit, errorText, postJson, session } from '../api';
import { DataTable } from '../table';
import { Badge, Message, statusTone, useLoad, useSubscription } from '../ui';
import { ReasonAction } from './actions';

interface RouteRule {
  routeRuleId: number;
  name: string;
  status: string;
  strategy: string;
  description: string | null;
}
interface Link {
  routeRuleGroupId: number;
  routeRuleId: number;
  groupId: number;
  weight: number | null;
  unreleasedWeight: number | null;
}
interface Group {
  groupId: number;
  name: string;
  appId: string;
  regionId: string;
  zoneId: string;
  status: string;
}

interface RoutingData {
  rules: Array<RouteRule & { links: Link[] }>;
  groups: Map<number, Group>;
  /** Active operation labels per group id. */
  groupOps: Map<number, string[]>;
}

async function loadRouting(serviceId: string): Promise<RoutingData> {
  const [rules, groups, ops] = await Promise.all([
    postJson<{ routeRules: RouteRule[] | null }>('/api/management/group/get-route-rules.json', { serviceId }),
    postJson<{ groups: Group[] | null }>('/api/management/group/get-groups.json', { serviceId }),
    postJson<{ allGroupOperations: Array<{ groupId: number; operations: string[] }> | null }>('/api/management/group/get-all-group-operations.json', {}),
  ]);
  const withLinks = await Promise.all(
    (rules.routeRules ?? []).map(async (r) => ({
      ...r,
      links: (await postJson<{ routeRuleGroups: Link[] | null }>('/api/management/group/get-route-rule-groups.json', { routeRuleId: r.routeRuleId })).routeRuleGroups ?? [],
    })),
  );
  return {
    rules: withLinks,
    groups: new Map((groups.groups ?? []).map((g) => [g.groupId, g])),
    groupOps: new Map((ops.allGroupOperations ?? []).map((o) => [o.groupId, o.operations])),
  };
}

function RuleCard({ rule, groups, done }: { rule: RoutingData['rules'][number]; groups: Map<number, Group>; done: (ok: string | null, error: string | null) => void }) {
  useSubscription(session.subscribe);
  const [edits, setEdits] = useState<Record<number, string>>({});
  const [busy, setBusy] = useState(false);
  const signedIn = session.signedIn();
  const pending = rule.links.filter((l) => l.unreleasedWeight !== null && l.unreleasedWeight !== l.weight);
  const groupName = (l: { groupId: number }) => groups.get(l.groupId)?.name ?? `#${l.groupId}`;
  const save = async () => {
    const changed = rule.links.filter((l) => edits[l.routeRuleGroupId] !== undefined && edits[l.routeRuleGroupId] !== String(l.unreleasedWeight ?? ''));
    if (changed.length === 0) return;
    setBusy(true);
    try {
      await postJson('/api/management/group/update-route-rule-groups.json', {
        routeRuleGroups: changed.map((l) => ({ routeRuleId: l.routeRuleId, groupId: l.groupId, unreleasedWeight: Number(edits[l.routeRuleGroupId]) })),
        ...audit('update', ''),
      });
      setEdits({});
      done(`Pending weights of ${rule.name} saved.`, null);
    } catch (err) {
      done(null, errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="rule" aria-label={`Route rule ${rule.name}`} data-rule={rule.name}>
      <h3>
        <span class="mono">{rule.name}</span> <Badge tone={statusTone(rule.status === 'active' ? 'up' : rule.status)}>{rule.status}</Badge>{' '}
        <span class="muted small">{rule.strategy}</span>
      </h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <DataTable
          rows={rule.links}
          rowKey={(l) => l.routeRuleGroupId}
          rowProps={(l) => ({ 'data-group': groupName(l) })}
          columns={[
            { label: 'Group', cellClass: 'mono', cell: groupName },
            {
              label: 'Zone',
              cell: (l) => {
                const g = groups.get(l.groupId);
                return g === undefined ? '—' : `${g.regionId} / ${g.zoneId}`;
              },
            },
            { label: 'Released weight', num: true, cell: (l) => l.weight ?? <span class="muted" title="Not released yet: discovery uses 5">— (5)</span> },
            {
              label: 'Pending weight',
              num: true,
              cell: (l) => (
                <>
                  <input
                    class="weight"
                    type="number"
                    min={0}
                    step={1}
                    aria-label={`Pending weight of ${groupName(l)}`}
                    disabled={!signedIn}
                    value={edits[l.routeRuleGroupId] ?? String(l.unreleasedWeight ?? '')}
                    onInput={(e) => setEdits({ ...edits, [l.routeRuleGroupId]: e.currentTarget.value })}
                  />
                  {l.unreleasedWeight !== null && l.unreleasedWeight !== l.weight && <Badge tone="warn">pending</Badge>}
                </>
              ),
            },
          ]}
        />
        <div class="actions">
          <button type="submit" disabled={!signedIn || busy || Object.keys(edits).length === 0}>
            Save pending weights
          </button>
          {pending.length > 0 ? (
            <ReasonAction
              label={`Release ${pending.length} weight(s)`}
              confirmLabel={`Confirm release of ${rule.name}`}
              run={(reason) =>
                postJson('/api/management/group/release-route-rule-groups.json', {
                  routeRuleGroups: pending.map((l) => ({ routeRuleId: l.routeRuleId, groupId: l.groupId })),
                  ...audit('release', reason),
                })
              }
              done={done}
            />
          ) : (
            <span class="muted small">Nothing pending to release.</span>
          )}
        </div>
      </form>
    </section>
  );
}

function Canary({ serviceId, done }: { serviceId: string; done: (ok: string | null, error: string | null) => void }) {
  useSubscription(session.subscribe);
  const [appId, setAppId] = useState('');
  const [ips, setIps] = useState('');
  const signedIn = session.signedIn();
  const list = ips.split(/[\s,]+/).filter(Boolean);
  return (
    <section aria-label="Canary IPs">
      <h2>Canary IPs</h2>
      <p class="muted small">The canary instances of one application: they match instances by instance id. An empty list clears them.</p>
      <div class="toolbar">
        <label>
          Application id
          <input value={appId} onInput={(e) => setAppId(e.currentTarget.value)} disabled={!signedIn} />
        </label>
        <label class="grow">
          Canary IPs (comma or space separated)
          <input value={ips} onInput={(e) => setIps(e.currentTarget.value)} disabled={!signedIn} />
        </label>
        <ReasonAction
          label="Set canary IPs"
          confirmLabel={`Confirm ${list.length} canary IP(s)`}
          run={(reason) => {
            if (appId.trim() === '') return Promise.reject(new Error('Application id is required.'));
            return postJson('/api/management/canary/update-canary-ips.json', { serviceId, appId: appId.trim(), canaryIps: list, ...audit('update-canary-ips', reason) });
          }}
          done={done}
        />
      </div>
    </section>
  );
}

function GroupTraffic({ group, out, done }: { group: Group; out: boolean; done: (ok: string | null, error: string | null) => void }) {
  const run = (complete: boolean) => (reason: string) =>
    postJson('/api/management/group/operate-group-operations.json', {
      groupOperationsList: [{ groupId: group.groupId, operations: ['pullout'] }],
      operationComplete: complete,
      ...audit('pullout', reason),
    });
  return out ? (
    <ReasonAction label="Pull in group" confirmLabel={`Confirm pull-in of group ${group.name}`} run={run(true)} done={done} />
  ) : (
    <ReasonAction label="Pull out group" danger confirmLabel={`Confirm pull-out of group ${group.name}`} run={run(false)} done={done} />
  );
}

/** `blue=90, green=10` → [{name, weight}]; throws on a malformed entry. */
export function parseGroupWeights(text: string): Array<{ name: string; weight: number }> {
  return text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((part) => {
      const m = /^([^=]+)=(\d+)$/.exec(part);
      if (m === null) throw new Error(`"${part}" is not group=weight`);
      return { name: m[1]!, weight: Number(m[2]) };
    });
}

function NewRule({ serviceId, regionId, zoneId, done }: { serviceId: string; regionId: string; zoneId: string; done: (ok: string | null, error: string | null) => void }) {
  useSubscription(session.subscribe);
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [strategy, setStrategy] = useState('weighted-round-robin');
  const [appId, setAppId] = useState('');
  const [zone, setZone] = useState(zoneId);
  const [weights, setWeights] = useState('');
  const [busy, setBusy] = useState(false);
  if (!session.signedIn()) return null;
  if (!open) {
    return (
      <button
        type="button"
        onClick={() => {
          setZone(zoneId);
          setOpen(true);
        }}
      >
        New route rule
      </button>
    );
  }
  return (
    <form
      class="rule"
      aria-label="New route rule"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        Promise.resolve()
          .then(() => {
            const groups = parseGroupWeights(weights);
            if (groups.length === 0) throw new Error('Name at least one group, e.g. blue=90, green=10.');
            return postJson('/api/management/group/create-route-rule.json', {
              routeRule: { serviceId, name: name.trim(), status: 'active', strategy },
              groups: groups.map((g) => ({ serviceId, regionId, zoneId: zone.trim(), name: g.name, appId: appId.trim(), status: 'active', weight: g.weight })),
              ...audit('create', ''),
            });
          })
          .then(
            () => {
              setOpen(false);
              setName('');
              setWeights('');
              done(`Route rule ${name.trim()} created; its weights are pending until released.`, null);
            },
            (err: unknown) => done(null, errorText(err)),
          )
          .finally(() => setBusy(false));
      }}
    >
      <h3>New route rule</h3>
      <div class="toolbar">
        <label>
          Rule name
          <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Strategy
          <select aria-label="Strategy" value={strategy} onChange={(e) => setStrategy(e.currentTarget.value)}>
            <option value="weighted-round-robin">weighted-round-robin</option>
            <option value="close-by-visit">close-by-visit</option>
          </select>
        </label>
        <label>
          Group application id
          <input required value={appId} onInput={(e) => setAppId(e.currentTarget.value)} />
        </label>
        <label>
          Group zone
          <input required value={zone} onInput={(e) => setZone(e.currentTarget.value)} />
        </label>
        <label class="grow">
          Groups and weights
          <input required placeholder="blue=90, green=10" value={weights} onInput={(e) => setWeights(e.currentTarget.value)} />
        </label>
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Create route rule
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function Routing({ serviceId, regionId, zoneId }: { serviceId: string; regionId: string; zoneId: string }) {
  const data = useLoad(() => loadRouting(serviceId), [serviceId]);
  const [note, setNote] = useState<{ ok: string | null; error: string | null }>({ ok: null, error: null });
  const done = (ok: string | null, error: string | null) => {
    setNote({ ok, error });
    data.reload();
  };
  const d = data.data;
  return (
    <div class="routing">
      <section aria-label="Route rules">
        <h2>Route rules</h2>
        <Message error={data.error ?? note.error} ok={note.ok} />
        {d !== null && d.rules.length === 0 && <p class="muted">No route rules for this service.</p>}
        {d?.rules.map((r) => <RuleCard key={r.routeRuleId} rule={r} groups={d.groups} done={done} />)}
        <NewRule serviceId={serviceId} regionId={regionId} zoneId={zoneId} done={done} />
      </section>
      {d !== null && d.groups.size > 0 && (
        <section aria-label="Groups">
          <h2>Groups</h2>
          <DataTable
            rows={[...d.groups.values()]}
            rowKey={(g) => g.groupId}
            rowProps={(g) => ({ 'data-group-row': g.name })}
            columns={[
              { label: 'Group', cellClass: 'mono', cell: (g) => g.name },
              { label: 'App', cell: (g) => g.appId },
              { label: 'Zone', cell: (g) => `${g.regionId} / ${g.zoneId}` },
              {
                label: 'Status',
                cell: (g) => (
                  <>
                    <Badge tone={statusTone(g.status === 'active' ? 'up' : g.status)}>{g.status}</Badge>
                    {(d.groupOps.get(g.groupId) ?? []).length > 0 && <Badge tone="warn">{(d.groupOps.get(g.groupId) ?? []).join(', ')}</Badge>}
                  </>
                ),
              },
              { label: 'Traffic', cell: (g) => <GroupTraffic group={g} out={(d.groupOps.get(g.groupId) ?? []).includes('pullout')} done={done} /> },
            ]}
          />
        </section>
      )}
      <Canary serviceId={serviceId} done={done} />
    </div>
  );
}
