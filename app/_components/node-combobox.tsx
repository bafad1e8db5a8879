"use client";
/** A node picker for large networks: searches GET /api/v1/networks/:id/nodes?q=…&pageSize=8 as you type. */
import { apiCall } from "./api-client";
import { SearchCombobox } from "./search-combobox";

export interface NodeChoice {
  id: string;
  name: string;
  ip: string | null;
  status: string;
}

const CHOICES = 8;

interface Props {
  networkId: string;
  label: string;
  name: string;
  /** What the form receives: the node's id (default) or its name. */
  submit?: "id" | "name";
  initial?: NodeChoice | null;
  errors?: string[];
}

export function NodeCombobox({ networkId, label, name, submit = "id", initial = null, errors }: Props) {
  return (
    <SearchCombobox<NodeChoice>
      label={label}
      name={name}
      errors={errors}
      initial={initial}
      noun="nodes"
      placeholder="Type a name or address"
      searchOnFocus
      search={async (q) => {
        const page = await apiCall<{ nodes: NodeChoice[] }>("GET", `/api/v1/networks/${networkId}/nodes?${new URLSearchParams({ q, pageSize: String(CHOICES) })}`);
        return page.nodes.map(({ id, name: nodeName, ip, status }) => ({ id, name: nodeName, ip, status }));
      }}
      textOf={(c) => c.name}
      valueOf={(c) => c[submit]}
      renderChoice={(c) => (
        <>
          <span className="font-medium">
            {c.name}
            {c.status !== "active" && <span className="font-normal text-slate-600 dark:text-slate-400"> ({c.status})</span>}
          </span>
          <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{c.ip ?? "no address"}</span>
        </>
      )}
    />
  );
}
