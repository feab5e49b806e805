/**
 * Every service, searchable; a windowed list renders only the rows in view, so typing stays
 * immediate with thousands of services. Counts update live from the push channel.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import { registry } from '../live';
import { useSubscription } from '../ui';

export const ROW_HEIGHT = 44;
const OVERSCAN = 8;

interface Row {
  id: string;
  instances: number;
  zones: string;
  lower: string;
}

export function filterRows(rows: readonly Row[], query: string): Row[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows as Row[];
  return rows.filter((r) => words.every((w) => r.lower.includes(w)));
}

export function Services() {
  useSubscription(registry.subscribe);
  const [query, setQuery] = useState(() => new URLSearchParams(location.hash.split('?')[1] ?? '').get('q') ?? '');
  const [sort, setSort] = useState<'name' | 'size'>('name');
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const box = useRef<HTMLDivElement>(null);

  const rows = useMemo(() => {
    const out: Row[] = [];
    for (const s of registry.services.values()) {
      const zones = new Set<string>();
      for (const i of s.instances.values()) zones.add(i.zoneId);
      const zoneText = [...zones].sort().join(', ');
      out.push({ id: s.id, instances: s.instances.size, zones: zoneText, lower: `${s.id} ${zoneText}`.toLowerCase() });
    }
    return out;
  }, [registry.revision]);
  const shown = useMemo(() => {
    const f = filterRows(rows, query);
    return [...f].sort(sort === 'name' ? (a, b) => a.lower.localeCompare(b.lower) : (a, b) => b.instances - a.instances || a.lower.localeCompare(b.lower));
  }, [rows, query, sort]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(shown.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const visible = shown.slice(first, last);

  return (
    <div>
      <h1>Services</h1>
      <div class="toolbar" role="search">
        <label class="grow">
          Search services
          <input
            type="search"
            placeholder="service id or zone, e.g. order sha-z1"
            value={query}
            onInput={(e) => {
              setQuery(e.currentTarget.value);
              setScrollTop(0);
              if (box.current !== null) box.current.scrollTop = 0;
            }}
          />
        </label>
        <label>
          Sort by
          <select aria-label="Sort by" value={sort} onChange={(e) => setSort(e.currentTarget.value as 'name' | 'size')}>
            <option value="name">name</option>
            <option value="size">instances</option>
          </select>
        </label>
      </div>
      <p class="muted" role="status" aria-live="polite">
        {registry.loaded ? `${shown.length.toLocaleString('en')} of ${rows.length.toLocaleString('en')} services` : 'Loading…'}
      </p>
      <div class="vhead" aria-hidden="true">
        <span>Service</span>
        <span>Zones</span>
        <span class="num">Instances</span>
      </div>
      <div
        class="vlist"
        ref={box}
        role="list"
        aria-label="Services"
        onScroll={(e) => {
          setScrollTop(e.currentTarget.scrollTop);
          setHeight(e.currentTarget.clientHeight);
        }}
      >
        <div style={{ height: `${shown.length * ROW_HEIGHT}px`, position: 'relative' }}>
          {visible.map((r, n) => (
            <div role="listitem" class="vrow" key={r.lower} style={{ top: `${(first + n) * ROW_HEIGHT}px` }} data-service={r.id}>
              <a href={`#/service/${encodeURIComponent(r.id)}`}>{r.id}</a>
              <span class="muted">{r.zones}</span>
              <span class="num">{r.instances}</span>
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
