/**
 * The Nebula versions hosts report, and what is known about them (lib/config/nebula-advisories.ts).
 * No hooks and no server imports: the overview (server) and the node page (client) both use it.
 */
import { advisoriesFor, type NebulaAdvisory } from "@/lib/config/nebula-advisories";
import { capabilitiesOf, parseNebulaVersion } from "@/lib/config/nebula-versions";
import type { NebulaVersionSummary } from "@/lib/nodes/nebula-version-summary";
import { Pill } from "./badges";

type AdvisoryText = Pick<NebulaAdvisory, "id" | "kind" | "title" | "detail" | "fixedIn" | "link">;

function AdvisoryList({ advisories }: { advisories: AdvisoryText[] }) {
  if (advisories.length === 0) return null;
  return (
    <ul className="mt-1 space-y-1">
      {advisories.map((a) => (
        <li key={a.id} data-testid={`advisory-${a.id}`} className={a.kind === "security" ? "text-amber-800 dark:text-amber-300" : "text-slate-600 dark:text-slate-300"}>
          <span className="font-medium">{a.kind === "security" ? "Security fix in " : "Fixed in "}{a.fixedIn}:</span> {a.title}.{" "}
          <span className="text-xs">{a.detail}</span>{" "}
          <a className="text-xs underline" href={a.link} rel="noreferrer" target="_blank">
            details
          </a>
        </li>
      ))}
    </ul>
  );
}

/** What a host's reported version means for its config, for the node page. */
export function HostVersionNote({ version }: { version: string | null }) {
  const parsed = parseNebulaVersion(version);
  if (!parsed) return null;
  const caps = capabilitiesOf(parsed);
  return (
    <div className="mt-1 text-xs" data-testid="host-version-note">
      {!caps.firewallActions && <p className="text-slate-600 dark:text-slate-300">Nebula 1.6 always drops what no rule allows: the network&apos;s reject settings do not apply to this host.</p>}
      <AdvisoryList advisories={advisoriesFor(parsed)} />
    </div>
  );
}

/** The overview's card: hosts per reported version, hosts not yet reported, and the advisories. */
export function NebulaVersionsCard({ summary }: { summary: NebulaVersionSummary }) {
  const total = summary.versions.reduce((n, v) => n + v.hosts, 0) + summary.notReported;
  return (
    <section aria-labelledby="versions-heading" data-testid="versions-panel" className="rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900 lg:col-span-2">
      <h2 id="versions-heading" className="mb-1 text-lg font-medium">
        Nebula versions
      </h2>
      <p className="mb-3 text-sm text-slate-500 dark:text-slate-400">
        Each host gets the config keys of the version it reports; a host that has not reported yet gets configs for Nebula {summary.target} (this network&apos;s oldest allowed).
      </p>
      {total === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-300">No active hosts yet.</p>
      ) : (
        <ul className="space-y-2 text-sm">
          {summary.versions.map((v) => (
            <li key={v.version} data-testid="version-row">
              <span className="flex flex-wrap items-center gap-2">
                <code className="font-mono">{v.version}</code>
                <span>
                  {v.hosts.toLocaleString("en")} {v.hosts === 1 ? "host" : "hosts"}
                </span>
                {v.advisories.some((a) => a.kind === "security") && <Pill tone="amber">security fix available</Pill>}
              </span>
              <AdvisoryList advisories={v.advisories} />
            </li>
          ))}
          {summary.notReported > 0 && (
            <li data-testid="version-row-not-reported" className="text-slate-600 dark:text-slate-300">
              Not reported yet: {summary.notReported.toLocaleString("en")} {summary.notReported === 1 ? "host" : "hosts"}
            </li>
          )}
        </ul>
      )}
    </section>
  );
}
