/** The operations log: one of the audit logs, filtered by its own filter fields, newest first. */
import { useState } from 'preact/hooks';
import { postJson } from '../api';
import { DataTable } from '../table';
import { Message, useLoad } from '../ui';

/** The log endpoints and their filter fields (as in src/core/wire/management.ts LOG_ENDPOINTS). */
export const LOGS: Array<{ path: string; label: string; filters: string[] }> = [
  { path: 'instance-operation-logs', label: 'Instance operations', filters: ['serviceId', 'instanceId', 'operation', 'operatorId', 'regionId'] },
  { path: 'server-operation-logs', label: 'Server operations', filters: ['serverId', 'operation', 'operatorId', 'regionId'] },
  { path: 'zone-operation-logs', label: 'Zone operations', filters: ['serviceId', 'zoneId', 'operation', 'operatorId', 'regionId'] },
  { path: 'route-rule-logs', label: 'Route rules', filters: ['serviceId', 'name', 'operation', 'operatorId'] },
  { path: 'route-rule-group-logs', label: 'Route-rule weights', filters: ['routeRuleId', 'groupId', 'operation', 'operatorId'] },
  { path: 'group-logs', label: 'Groups', filters: ['serviceId', 'name', 'appId', 'zoneId', 'operation', 'operatorId'] },
  { path: 'group-operation-logs', label: 'Group operations', filters: ['groupId', 'operation', 'operatorId'] },
  { path: 'group-instance-logs', label: 'Group members and canary', filters: ['groupId', 'instanceId', 'operation', 'operatorId'] },
  { path: 'service-instance-logs', label: 'Logical instances', filters: ['serviceId', 'instanceId', 'operation', 'operatorId'] },
];

const NUMERIC = new Set(['routeRuleId', 'groupId']);
const HIDDEN = new Set(['token', 'updateTime']);

type Row = Record<string, unknown>;

const cell = (key: string, v: unknown) => {
  if (v === null || v === undefined || v === '') return '—';
  if ((key === 'createTime' || key === 'updateTime') && typeof v === 'number') return new Date(v).toLocaleString();
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : '—';
};

export function Log() {
  const [kind, setKind] = useState(LOGS[0]!.path);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [applied, setApplied] = useState<Record<string, string>>({});
  const log = LOGS.find((l) => l.path === kind) ?? LOGS[0]!;
  const rows = useLoad(async () => {
    const body: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(applied)) if (v.trim() !== '' && log.filters.includes(k)) body[k] = NUMERIC.has(k) ? Number(v) : v.trim();
    const r = await postJson<{ logs: Row[] | null }>(`/api/management/log/${kind}.json`, body);
    return [...(r.logs ?? [])].reverse();
  }, [kind, JSON.stringify(applied)]);
  const columns = ['createTime', ...[...new Set((rows.data ?? []).flatMap((r) => Object.keys(r)))].filter((k) => k !== 'createTime' && k !== 'id' && !HIDDEN.has(k))];
  return (
    <div>
      <h1>Operations log</h1>
      <form
        class="toolbar wrap"
        aria-label="Log filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ ...draft });
        }}
      >
        <label>
          Log type
          <select
            aria-label="Log type"
            value={kind}
            onChange={(e) => {
              setKind(e.currentTarget.value);
              setDraft({});
              setApplied({});
            }}
          >
            {LOGS.map((l) => (
              <option key={l.path} value={l.path}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
        {log.filters.map((f) => (
          <label key={f}>
            {f}
            <input value={draft[f] ?? ''} inputMode={NUMERIC.has(f) ? 'numeric' : undefined} onInput={(e) => setDraft({ ...draft, [f]: e.currentTarget.value })} />
          </label>
        ))}
        <button type="submit" class="primary">
          Apply filters
        </button>
        <button type="button" onClick={rows.reload}>
          Refresh
        </button>
      </form>
      <Message error={rows.error} />
      <p class="muted" role="status">
        {rows.loading ? 'Loading…' : `${rows.data?.length ?? 0} entries, newest first`}
      </p>
      {rows.data !== null && rows.data.length > 0 && (
        <DataTable
          class="log"
          scroll
          rows={rows.data}
          rowKey={(r, n) => (typeof r['id'] === 'number' ? r['id'] : n)}
          columns={columns.map((c) => ({ label: c, cellClass: c === 'createTime' ? 'nowrap' : undefined, cell: (r: Row) => cell(c, r[c]) }))}
        />
      )}
    </div>
  );
}
