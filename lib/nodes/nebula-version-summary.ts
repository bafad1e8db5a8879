/**
 * Which Nebula versions a network's hosts run, as they report them on every poll, with the known
 * advisories of each. One grouped count in Postgres: a fleet of 10,000 hosts is never loaded.
 */
import { db } from "@/lib/db/client";
import { advisoriesFor, type NebulaAdvisory } from "@/lib/config/nebula-advisories";
import { compareNebulaVersions, parseNebulaVersion } from "@/lib/config/nebula-versions";
import { targetFromDb } from "@/lib/networks/network-service";

export interface NebulaVersionCount {
  /** As the hosts report it, e.g. "1.10.3". */
  version: string;
  hosts: number;
  advisories: Array<Pick<NebulaAdvisory, "id" | "kind" | "title" | "detail" | "fixedIn" | "link">>;
}

export interface NebulaVersionSummary {
  /** The oldest version the network allows: hosts that have not reported get configs for it. */
  target: string;
  /** Newest first; versions that cannot be read come last. */
  versions: NebulaVersionCount[];
  /** Active hosts that have not reported a version yet (or whose agent does not). */
  notReported: number;
}

export async function nebulaVersionSummary(networkId: string): Promise<NebulaVersionSummary> {
  const [network, groups] = await Promise.all([
    db.network.findUniqueOrThrow({ where: { id: networkId }, select: { nebulaTarget: true } }),
    // Active hosts only: pending ones get no config, blocked ones are cut off.
    db.node.groupBy({ by: ["nebulaVersion"], where: { networkId, status: "active" }, _count: { _all: true } }),
  ]);
  const versions = groups
    .filter((g) => g.nebulaVersion !== null)
    .map((g) => ({
      version: g.nebulaVersion!,
      hosts: g._count._all,
      advisories: advisoriesFor(g.nebulaVersion).map(({ id, kind, title, detail, fixedIn, link }) => ({ id, kind, title, detail, fixedIn, link })),
    }))
    .sort((a, b) => {
      const va = parseNebulaVersion(a.version);
      const vb = parseNebulaVersion(b.version);
      if (va && vb) return compareNebulaVersions(vb, va) || (a.version < b.version ? -1 : 1);
      if (va || vb) return va ? -1 : 1;
      return a.version < b.version ? -1 : 1;
    });
  const notReported = groups.find((g) => g.nebulaVersion === null)?._count._all ?? 0;
  return { target: targetFromDb[network.nebulaTarget], versions, notReported };
}
