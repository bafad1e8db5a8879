"use client";
/**
 * Tables: TableView draws rows it is given; DataTable adds a search box and pagination for lists
 * that arrive whole from the server. Lists that can be large (nodes) page on the server instead.
 */
import { useMemo, useState } from "react";
import { inputClass, secondaryButtonClass } from "./form-controls";

export interface Column<T> {
  header: string;
  cell: (row: T) => React.ReactNode;
  className?: string;
}

interface DataTableProps<T> {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** The text a row is searched by. */
  searchText: (row: T) => string;
  empty: React.ReactNode;
  pageSize?: number;
  label: string;
}

export function DataTable<T>({ rows, columns, rowKey, searchText, empty, pageSize = 20, label }: DataTableProps<T>) {
  const [query, setQuery] = useState("");
  const [page, setPage] = useState(1);
  const filtered = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? rows.filter((r) => searchText(r).toLowerCase().includes(q)) : rows;
  }, [rows, query, searchText]);
  const pages = Math.max(1, Math.ceil(filtered.length / pageSize));
  const current = Math.min(page, pages);
  const visible = filtered.slice((current - 1) * pageSize, current * pageSize);

  if (rows.length === 0) return <div className="rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500 dark:text-slate-400 dark:border-slate-700">{empty}</div>;

  return (
    <div className="space-y-3">
      <input
        type="search"
        aria-label={`Search ${label}`}
        placeholder={`Search ${label}…`}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setPage(1);
        }}
        className={`${inputClass} max-w-xs`}
      />
      <TableView label={label} rows={visible} columns={columns} rowKey={rowKey} nothing={<>Nothing matches “{query}”.</>} />
      {pages > 1 && (
        <nav className="flex items-center justify-between text-sm text-slate-600 dark:text-slate-400" aria-label="Pagination">
          <span>
            Page {current} of {pages} · {filtered.length} rows
          </span>
          <span className="flex gap-2">
            <button className={secondaryButtonClass} disabled={current <= 1} onClick={() => setPage(current - 1)}>
              Previous
            </button>
            <button className={secondaryButtonClass} disabled={current >= pages} onClick={() => setPage(current + 1)}>
              Next
            </button>
          </span>
        </nav>
      )}
    </div>
  );
}

/** The table itself, labelled for assistive technology: a header row, then the rows, or `nothing`. */
export function TableView<T>({ label, rows, columns, rowKey, nothing }: { label: string; rows: T[]; columns: Column<T>[]; rowKey: (row: T) => string; nothing: React.ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
      <table className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" aria-label={label}>
        <thead className="bg-slate-50 dark:bg-slate-900">
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" className={`px-4 py-2 text-left font-medium text-slate-600 dark:text-slate-300 ${c.className ?? ""}`}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 bg-white dark:divide-slate-800 dark:bg-slate-950">
          {rows.map((row) => (
            <tr key={rowKey(row)} className="hover:bg-slate-50 dark:hover:bg-slate-900/60">
              {columns.map((c) => (
                <td key={c.header} className={`px-4 py-2 align-middle ${c.className ?? ""}`}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length} className="px-4 py-6 text-center text-slate-500 dark:text-slate-400">
                {nothing}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
