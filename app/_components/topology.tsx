/**
 * The network as a picture: lighthouses in the middle, relays around them, hosts on the outside,
 * each joined to the lighthouses it asks. A small network draws every host; a large one draws its
 * hosts as clusters by group (the area says how many, the colours how many are active, pending or
 * blocked), each a link to the nodes page filtered to that group. Plain SVG rendered on the server.
 */
import type { HostCluster, TopologyData, TopologyNode } from "@/lib/nodes/topology-data";

function ring(count: number, radius: number, cx: number, cy: number, offset = -Math.PI / 2) {
  return Array.from({ length: count }, (_, i) => {
    const angle = offset + (2 * Math.PI * i) / Math.max(count, 1);
    return { x: cx + radius * Math.cos(angle), y: cy + radius * Math.sin(angle) };
  });
}

const statusFill = { active: "fill-sky-500", pending: "fill-amber-400", blocked: "fill-red-500" } as const;
const labelClass = "fill-slate-700 text-[11px] dark:fill-slate-300";

const fmt = (n: number) => n.toLocaleString("en");

function clusterTitle(c: HostCluster): string {
  const who = c.merged ? `hosts in ${c.group}` : c.group === null ? "hosts in no group" : `hosts in group ${c.group}`;
  return `${fmt(c.total)} ${who}: ${fmt(c.active)} active, ${fmt(c.pending)} pending, ${fmt(c.blocked)} blocked`;
}

/** A disc whose area is proportional to the cluster's size, with active / pending / blocked as arcs of its ring. */
function Cluster({ c, x, y, largest, href }: { c: HostCluster; x: number; y: number; largest: number; href: string }) {
  const r = 12 + 20 * Math.sqrt(c.total / Math.max(largest, 1));
  const circumference = 2 * Math.PI * r;
  let offset = 0;
  const arcs = (["active", "pending", "blocked"] as const).map((k) => {
    const length = (c[k] / Math.max(c.total, 1)) * circumference;
    const arc = { k, length, offset };
    offset += length;
    return arc;
  });
  const stroke = { active: "stroke-sky-500", pending: "stroke-amber-400", blocked: "stroke-red-500" } as const;
  return (
    <a href={href}>
      <title>{clusterTitle(c)}</title>
      <circle cx={x} cy={y} r={r} className="fill-sky-100 dark:fill-sky-950" />
      {arcs
        .filter((a) => a.length > 0)
        .map((a) => (
          <circle
            key={a.k}
            cx={x}
            cy={y}
            r={r}
            fill="none"
            strokeWidth={4}
            className={stroke[a.k]}
            strokeDasharray={`${a.length} ${circumference - a.length}`}
            strokeDashoffset={-a.offset}
            transform={`rotate(-90 ${x} ${y})`}
          />
        ))}
      <text x={x} y={y + 4} textAnchor="middle" className="fill-slate-900 text-[11px] font-semibold dark:fill-slate-100">
        {fmt(c.total)}
      </text>
      <text x={x} y={y + r + 14} textAnchor="middle" className={labelClass}>
        {c.group === null ? "no group" : c.group}
      </text>
    </a>
  );
}

export function Topology({ data, networkId }: { data: TopologyData; networkId: string }) {
  const width = 640;
  const height = 460;
  const cx = width / 2;
  const cy = height / 2;
  const { lighthouses, relays, hosts, clusters, counts } = data;
  if (counts.nodes === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No nodes yet: the picture fills in as you add them.</p>;

  const lhPos = lighthouses.length === 1 ? [{ x: cx, y: cy }] : ring(lighthouses.length, 50, cx, cy);
  const relayPos = ring(relays.length, 110, cx, cy, -Math.PI / 3);
  const outer = hosts ?? clusters;
  const outerPos = ring(outer.length, 175, cx, cy);
  // Tooltips carry every overlay address: a dual-stack host is reached by its IPv6 address too.
  const addressesOf = (n: TopologyNode) => [...new Set([n.ip, n.ip6].filter(Boolean))].join(" ");
  const nodeHref = (n: TopologyNode) => `/networks/${networkId}/nodes/${n.id}`;
  const clusterHref = (c: HostCluster) => `/networks/${networkId}/nodes?${c.group === null || c.merged ? "kind=host" : `group=${encodeURIComponent(c.group)}`}`;
  const largest = Math.max(0, ...clusters.map((c) => c.total));
  const described = `Topology: ${counts.lighthouses} lighthouses, ${counts.relays} relays, ${counts.hosts} hosts${hosts ? "" : ` in ${clusters.length} clusters by group`}`;
  const links = [...relayPos, ...outerPos];

  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height}`} className="h-auto w-full" role="group" aria-label={described}>
        {links.flatMap((from, i) =>
          lhPos.map((to, j) => <line key={`${i}-${j}`} x1={from.x} y1={from.y} x2={to.x} y2={to.y} className="stroke-slate-300 dark:stroke-slate-700" strokeWidth={1} strokeDasharray={hosts && i >= relayPos.length && hosts[i - relayPos.length]!.status !== "active" ? "4 4" : undefined} />),
        )}
        {lighthouses.map((n, i) => {
          const p = lhPos[i]!;
          return (
            <a key={n.id} href={nodeHref(n)}>
              <title>{`${n.name} ${addressesOf(n)} (lighthouse, ${n.status})`}</title>
              <polygon points={`${p.x},${p.y - 14} ${p.x + 12},${p.y + 8} ${p.x - 12},${p.y + 8}`} className="fill-violet-500" />
              <text x={p.x} y={p.y + 24} textAnchor="middle" className={labelClass}>
                {n.name}
              </text>
            </a>
          );
        })}
        {relays.map((n, i) => {
          const p = relayPos[i]!;
          return (
            <a key={n.id} href={nodeHref(n)}>
              <title>{`${n.name} ${addressesOf(n)} (relay, ${n.status})`}</title>
              <rect x={p.x - 10} y={p.y - 10} width={20} height={20} rx={4} className="fill-indigo-400" />
              <text x={p.x} y={p.y + 24} textAnchor="middle" className={labelClass}>
                {n.name}
              </text>
            </a>
          );
        })}
        {hosts
          ? hosts.map((n, i) => {
              const p = outerPos[i]!;
              return (
                <a key={n.id} href={nodeHref(n)}>
                  <title>{`${n.name} ${addressesOf(n)} (${n.status})`}</title>
                  <circle cx={p.x} cy={p.y} r={8} className={statusFill[n.status]} />
                  <text x={p.x} y={p.y + 22} textAnchor="middle" className={labelClass}>
                    {n.name}
                  </text>
                </a>
              );
            })
          : clusters.map((c, i) => <Cluster key={`${c.group}-${i}`} c={c} x={outerPos[i]!.x} y={outerPos[i]!.y} largest={largest} href={clusterHref(c)} />)}
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-4 text-xs text-slate-600 dark:text-slate-400">
        <span>▲ lighthouse</span>
        <span>■ relay</span>
        {hosts ? <span>● host (blue active, amber pending, red blocked)</span> : <span>◯ hosts by group: the number inside, the ring blue active, amber pending, red blocked</span>}
        {counts.lighthouses > lighthouses.length && <span>{counts.lighthouses - lighthouses.length} more lighthouses not drawn</span>}
        {counts.relays > relays.length && <span>{counts.relays - relays.length} more relays not drawn</span>}
      </figcaption>
    </figure>
  );
}
