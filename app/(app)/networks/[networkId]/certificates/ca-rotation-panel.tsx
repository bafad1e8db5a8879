"use client";
/**
 * CA rotation on the certificates page: the phase, the progress as hosts reported it, and the
 * owner's three steps (start, switch or re-sign all, retire). Every number comes from
 * rotationStatus (lib/pki/ca-rotation.ts), which counts only what hosts confirmed applying.
 */
import type { RotationStatus } from "@/lib/pki/ca-rotation";
import { apiCall } from "../../../../_components/api-client";
import { Pill } from "../../../../_components/badges";
import { buttonClass, dangerButtonClass, FormError, secondaryButtonClass } from "../../../../_components/form-controls";
import { useApiAction } from "../../../../_components/use-api-action";

const card = "rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900";

const n = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString("en")} ${count === 1 ? one : many}`;

function leftText(status: RotationStatus): string | null {
  const { left, leftCount } = status.hosts;
  if (leftCount === 0) return null;
  const more = leftCount > left.length ? ` and ${leftCount - left.length} more` : "";
  return `Not yet on the new CA: ${left.join(", ")}${more}.`;
}

export function CaRotationPanel({ networkId, status, canRotate }: { networkId: string; status: RotationStatus; canRotate: boolean }) {
  const action = useApiAction();
  const base = `/api/v1/networks/${networkId}/ca/rotation`;
  const post = (path: string, body: unknown, success: string) => action.run(() => apiCall("POST", `${base}${path}`, body), { success });
  const { hosts } = status;
  const newCa = status.cas.find((c) => c.id === status.newCaId);
  const oldCa = status.cas.find((c) => (status.phase === "trust" ? c.state === "current" : c.state === "previous"));
  const progress = `${hosts.onNew.toLocaleString("en")} of ${n(hosts.active, "host")} on the new CA; ${hosts.offline.toLocaleString("en")} offline`;

  return (
    <section className={card} aria-labelledby="ca-rotation-heading" data-testid="ca-rotation">
      <div className="mb-2 flex flex-wrap items-center gap-2">
        <h2 id="ca-rotation-heading" className="text-lg font-medium">
          CA rotation
        </h2>
        {status.phase === "trust" ? <Pill tone="amber">step 1 of 3: hosts learn to trust the new CA</Pill> : null}
        {status.phase === "switched" ? <Pill tone="amber">step 2 of 3: the new CA signs</Pill> : null}
      </div>
      {status.phase === "none" ? (
        <p className="text-sm text-slate-600 dark:text-slate-300">
          Rotating puts a new CA into every host&apos;s trust bundle first (the current CA keeps signing), then switches signing to it once hosts have applied that bundle, and retires the old
          CA only after every active host has applied a certificate from the new one. No tunnel waits on a host that does not trust its peer yet.
        </p>
      ) : (
        <div className="space-y-2 text-sm">
          <p>
            {oldCa ? (
              <>
                Old CA <strong>{oldCa.name}</strong> (ends {oldCa.notAfter.slice(0, 10)}) → new CA <strong>{newCa?.name}</strong> (ends {newCa?.notAfter.slice(0, 10)}).
              </>
            ) : null}
          </p>
          <p data-testid="rotation-progress" className="font-medium">
            {progress}
          </p>
          {status.phase === "trust" ? (
            <p className="text-slate-600 dark:text-slate-300" data-testid="rotation-trusting">
              {hosts.trusting.toLocaleString("en")} of {n(hosts.active, "host")} have applied the bundle that trusts the new CA.
              {status.canSwitch ? " Signing can switch now." : " Signing switches once all have (hosts re-signed earlier could not reach the others)."}
            </p>
          ) : (
            <p className="text-slate-600 dark:text-slate-300">
              {hosts.signedByNew.toLocaleString("en")} signed by the new CA. Hosts on the old CA renew on their next poll, or re-sign them all now.
            </p>
          )}
          {leftText(status) ? <p className="text-slate-600 dark:text-slate-300">{leftText(status)}</p> : null}
          {status.retireInSeconds > 0 ? (
            <p className="text-slate-600 dark:text-slate-300" data-testid="rotation-settling">
              Every host has applied its new certificate. The old CA can be retired in {status.retireInSeconds} s, once each host&apos;s tunnel to its lighthouses has re-keyed on its next lighthouse update.
            </p>
          ) : null}
        </div>
      )}
      <FormError message={action.error} />
      {canRotate ? (
        <div className="mt-3 flex flex-wrap gap-2">
          {status.phase === "none" ? (
            <button type="button" className={buttonClass} disabled={action.busy} onClick={() => post("", {}, "Rotation started: the new CA is going out to every host")}>
              Start CA rotation
            </button>
          ) : null}
          {status.phase === "trust" ? (
            <button type="button" className={buttonClass} disabled={action.busy} onClick={() => post("/switch", {}, "The new CA signs from now on")}>
              Switch signing to the new CA
            </button>
          ) : null}
          {status.phase !== "none" ? (
            <button type="button" className={secondaryButtonClass} disabled={action.busy || (status.phase === "trust" && !status.canSwitch)} onClick={() => post("/resign", {}, "Hosts re-signed with the new CA")}>
              Re-sign all hosts now
            </button>
          ) : null}
          {status.phase !== "none" ? (
            <button type="button" className={dangerButtonClass} disabled={action.busy} onClick={() => post("/retire", undefined, "Old CA retired")}>
              Retire old CA
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
