"use client";
import Link from "next/link";
import type { NetworkSummary } from "@/lib/networks/network-service";
import { DataTable } from "../_components/data-table";
import { RoleBadge } from "../_components/role-badge";
import { rangesText } from "@/lib/ipam/address-space";

export function NetworkTable({ networks }: { networks: NetworkSummary[] }) {
  return (
    <DataTable
      label="networks"
      rows={networks}
      rowKey={(n) => n.id}
      searchText={(n) => `${n.name} ${rangesText(n)} ${n.description}`}
      empty={
        <>
          No networks yet.{" "}
          <Link className="text-indigo-600 underline dark:text-indigo-400" href="/networks/new">
            Create your first network
          </Link>
          .
        </>
      }
      columns={[
        {
          header: "Name",
          cell: (n) => (
            <Link href={`/networks/${n.id}`} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
              {n.name}
            </Link>
          ),
        },
        { header: "Range", cell: (n) => <code className="font-mono text-xs">{rangesText(n)}</code> },
        { header: "Your role", cell: (n) => <RoleBadge role={n.role} /> },
        { header: "Members", cell: (n) => n.memberCount, className: "text-right" },
        { header: "Created", cell: (n) => new Date(n.createdAt).toLocaleDateString(), className: "hidden sm:table-cell" },
      ]}
    />
  );
}
