"use client";
/**
 * A rule change refused by the network's policy tests: which assertions it would break and the
 * rule to blame, and for owners the way to apply it anyway (the override is audited).
 */
import { useId, useState } from "react";
import { dangerButtonClass, Spinner } from "../../../../_components/form-controls";

interface Props {
  messages: string[];
  canOverride: boolean;
  busy?: boolean;
  /**
   * Re-sends the change with the override. Without it the checkbox is a form field named
   * overridePolicy, read by the form's own submit.
   */
  onOverride?: () => void;
}

export function PolicyRefusal({ messages, canOverride, busy = false, onOverride }: Props) {
  const id = useId();
  const [confirmed, setConfirmed] = useState(false);
  return (
    <div role="alert" data-policy-refusal className="space-y-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
      <p className="font-medium">Refused by the policy tests: nothing was changed.</p>
      <ul className="list-disc space-y-1 pl-5">
        {messages.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
      {canOverride ? (
        <div className="flex flex-wrap items-center gap-3 pt-1">
          <label htmlFor={id} className="flex items-center gap-2">
            <input id={id} type="checkbox" name="overridePolicy" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
            Override the policy tests and apply it anyway (owners; recorded in the audit trail)
          </label>
          {onOverride && (
            <button type="button" className={dangerButtonClass} disabled={!confirmed || busy} onClick={onOverride}>
              {busy && <Spinner />} Apply anyway
            </button>
          )}
        </div>
      ) : (
        <p className="text-xs">Only an owner of this network can override the policy tests.</p>
      )}
    </div>
  );
}
