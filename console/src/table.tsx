/** DataTable: the one table shape of the console (a header row of column labels, a row per item). */
import type { ComponentChildren } from 'preact';

export interface Column<T> {
  label: string;
  cell: (row: T) => ComponentChildren;
  /** A number column: right-aligned, header included. */
  num?: boolean;
  /** Further classes of the column's cells (e.g. `mono`, `nowrap`). */
  cellClass?: string;
  /** Tooltip of the header. */
  title?: string;
}

export interface DataTableProps<T> {
  /** `false` entries are left out, for columns shown only sometimes. */
  columns: ReadonlyArray<Column<T> | false>;
  rows: readonly T[];
  rowKey: (row: T, index: number) => string | number;
  /** Attributes of a row, e.g. `data-instance` for tests and links. */
  rowProps?: (row: T) => Record<string, string>;
  class?: string;
  /** Wraps the table in a horizontally scrolling box. */
  scroll?: boolean;
}

export function DataTable<T>({ columns, rows, rowKey, rowProps, class: cls, scroll = false }: DataTableProps<T>) {
  const shown = columns.filter((c): c is Column<T> => c !== false);
  const table = (
    <table class={cls}>
      <thead>
        <tr>
          {shown.map((c) => (
            <th scope="col" key={c.label} class={c.num ? 'num' : undefined} title={c.title}>
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={rowKey(r, i)} {...rowProps?.(r)}>
            {shown.map((c) => (
              <td key={c.label} class={[c.num ? 'num' : '', c.cellClass ?? ''].join(' ').trim() || undefined}>
                {c.cell(r)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return scroll ? <div class="scroll-x">{table}</div> : table;
}
