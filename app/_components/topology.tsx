/**
 * The network as a picture: lighthouses in the middle, relays around them, hosts on the outside,
 * each host joined to the lighthouses it asks. Plain SVG rendered on the server.
 */
interface TopologyNode {
  id: string;
  name: string;
  ip: string | null;
  isLighthouse: boolean;
  isRelay: boolean;
  status: "pending" | "active" | "blocked";
}

function ring(count: number, radius: number, cx: number, cy: number, offset = -Math.PI / 2) {
  return Array.from({ length: count }, (_, i) => {
    const angle = offset + (2 * Math.PI * i) / Math.max(count, 1);
    return { x: cx + radius * Math.cos(angle), y: cy + radius * Math.sin(angle) };
  });
}

const statusFill = { active: "fill-sky-500", pending: "fill-amber-400", blocked: "fill-red-500" } as const;

export function Topology({ nodes, networkId }: { nodes: TopologyNode[]; networkId: string }) {
  const width = 640;
  const height = 420;
  const cx = width / 2;
  const cy = height / 2;
  const lighthouses = nodes.filter((n) => n.isLighthouse);
  const relays = nodes.filter((n) => n.isRelay && !n.isLighthouse);
  const hosts = nodes.filter((n) => !n.isLighthouse && !n.isRelay).slice(0, 60);
  const lhPos = lighthouses.length === 1 ? [{ x: cx, y: cy }] : ring(lighthouses.length, 50, cx, cy);
  const relayPos = ring(relays.length, 110, cx, cy, -Math.PI / 3);
  const hostPos = ring(hosts.length, 175, cx, cy);
  const place = [...lighthouses.map((n, i) => ({ n, p: lhPos[i]! })), ...relays.map((n, i) => ({ n, p: relayPos[i]! })), ...hosts.map((n, i) => ({ n, p: hostPos[i]! }))];

  if (nodes.length === 0) return <p className="text-sm text-slate-500">No nodes yet: the picture fills in as you add them.</p>;
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height}`} className="h-auto w-full" role="img" aria-label={`Topology: ${lighthouses.length} lighthouses, ${relays.length} relays, ${hosts.length} hosts`}>
        {[...relays, ...hosts].map((n) => {
          const from = place.find((x) => x.n.id === n.id)!.p;
          return lhPos.map((to, j) => <line key={`${n.id}-${j}`} x1={from.x} y1={from.y} x2={to.x} y2={to.y} className="stroke-slate-300 dark:stroke-slate-700" strokeWidth={1} strokeDasharray={n.status === "active" ? undefined : "4 4"} />);
        })}
        {place.map(({ n, p }) => (
          <a key={n.id} href={`/networks/${networkId}/nodes/${n.id}`}>
            <title>{`${n.name} ${n.ip ?? ""} (${n.status})`}</title>
            {n.isLighthouse ? (
              <polygon points={`${p.x},${p.y - 14} ${p.x + 12},${p.y + 8} ${p.x - 12},${p.y + 8}`} className="fill-violet-500" />
            ) : n.isRelay ? (
              <rect x={p.x - 10} y={p.y - 10} width={20} height={20} rx={4} className="fill-indigo-400" />
            ) : (
              <circle cx={p.x} cy={p.y} r={8} className={statusFill[n.status]} />
            )}
            <text x={p.x} y={p.y + 24} textAnchor="middle" className="fill-slate-700 text-[11px] dark:fill-slate-300">
              {n.name}
            </text>
          </a>
        ))}
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-4 text-xs text-slate-500">
        <span>▲ lighthouse</span>
        <span>■ relay</span>
        <span>● host (blue active, amber pending, red blocked)</span>
        {nodes.length - place.length > 0 && <span>{nodes.length - place.length} more hosts not drawn</span>}
      </figcaption>
    </figure>
  );
}
