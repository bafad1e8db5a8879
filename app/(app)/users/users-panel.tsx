"use client";
import QRCode from "qrcode";
import { useEffect, useState } from "react";
import type { PendingInvite } from "@/lib/users/account-links";
import type { UserPage, UserRow } from "@/lib/users/user-service";
import { apiCall } from "../../_components/api-client";
import { Pill } from "../../_components/badges";
import { CopyButton } from "../../_components/copy-button";
import { TableView } from "../../_components/data-table";
import { buttonClass, dangerButtonClass, Field, FormError, inputClass, secondaryButtonClass, SelectField, Spinner } from "../../_components/form-controls";
import { Pager, ResultCount, useUrlFilters } from "../../_components/url-paging";
import { useApiAction } from "../../_components/use-api-action";

interface Props {
  page: UserPage;
  invites: PendingInvite[];
  query: { q: string };
  currentUserId: string;
}

interface ShownLink {
  kind: "invite" | "reset";
  /** Who it is for, in words. */
  forWhom: string;
  url: string;
  expiresAt: string;
}

// In UTC, so that the server's render and the browser's hydration print the same text.
const when = (iso: string | null) => (iso ? `${new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" })} UTC` : "—");

function LinkQr({ text, label }: { text: string; label: string }) {
  const [svg, setSvg] = useState("");
  useEffect(() => {
    void QRCode.toString(text, { type: "svg", margin: 1, width: 160 }).then(setSvg);
  }, [text]);
  return <div role="img" aria-label={label} className="h-[176px] w-[176px] rounded bg-white p-2" dangerouslySetInnerHTML={{ __html: svg }} />;
}

/** A link shown once: the server keeps only its hash, so closing this loses it for good. */
function OneTimeLink({ link, onClose }: { link: ShownLink; onClose: () => void }) {
  const what = link.kind === "invite" ? "Invite link" : "Password-reset link";
  return (
    <section aria-label={what} className="space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-4 dark:border-amber-700 dark:bg-amber-950/40">
      <h2 className="font-semibold">
        {what} {link.forWhom && <>for {link.forWhom}</>}
      </h2>
      <p className="text-sm text-slate-700 dark:text-slate-300">
        Send it to the person yourself. It works once, until {when(link.expiresAt)}, and is shown only now.
      </p>
      <div className="flex flex-wrap items-start gap-4">
        <div className="min-w-0 flex-1 space-y-2">
          <code data-testid={`${link.kind}-url`} className="block break-all rounded bg-white p-2 font-mono text-xs dark:bg-slate-900">
            {link.url}
          </code>
          <div className="flex gap-2">
            <CopyButton text={link.url} label="Copy link" />
            <button type="button" className={secondaryButtonClass} onClick={onClose}>
              Done
            </button>
          </div>
        </div>
        <LinkQr text={link.url} label={`QR code of the ${what.toLowerCase()}`} />
      </div>
    </section>
  );
}

function InviteForm({ onCreated }: { onCreated: (link: ShownLink) => void }) {
  const { fields, error, busy, run } = useApiAction();
  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const note = String(data.get("note"));
    const result = await run(() => apiCall<{ invite: { url: string; expiresAt: string } }>("POST", "/api/v1/users/invites", { note, systemRole: String(data.get("systemRole")) }), { success: "Invite created" });
    if (result) {
      form.reset();
      onCreated({ kind: "invite", forWhom: note, url: result.invite.url, expiresAt: result.invite.expiresAt });
    }
  }
  return (
    <form onSubmit={submit} noValidate aria-label="Invite a user" className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <div className="min-w-64 flex-1">
        <Field label="Who is it for? (optional)" name="note" placeholder="e.g. Grace from ops" errors={fields.note} />
      </div>
      <SelectField
        label="System role"
        name="systemRole"
        defaultValue="user"
        errors={fields.systemRole}
        options={[
          { value: "user", label: "User" },
          { value: "admin", label: "System admin" },
        ]}
      />
      <button type="submit" className={buttonClass} disabled={busy}>
        {busy && <Spinner />} Invite user
      </button>
      <div className="w-full">
        <FormError message={error} />
      </div>
    </form>
  );
}

type Pending = { userId: string; action: "disable" | "enable" | "reset" } | null;

export function UsersPanel({ page, invites, query, currentUserId }: Props) {
  const { busy, run } = useApiAction();
  const { loading, go, searchInput, submitSearch } = useUrlFilters(query);
  const [shown, setShown] = useState<ShownLink | null>(null);
  const [confirming, setConfirming] = useState<Pending>(null);
  const [revoking, setRevoking] = useState<string | null>(null);

  async function confirm(user: UserRow, action: "disable" | "enable" | "reset") {
    setConfirming(null);
    if (action === "reset") {
      const result = await run(() => apiCall<{ reset: { url: string; expiresAt: string } }>("POST", `/api/v1/users/${user.id}/reset-link`), { success: "Reset link created", toastErrors: true });
      if (result) setShown({ kind: "reset", forWhom: user.username ?? user.displayName, url: result.reset.url, expiresAt: result.reset.expiresAt });
      return;
    }
    await run(() => apiCall("POST", `/api/v1/users/${user.id}/${action}`), {
      success: action === "disable" ? `${user.displayName} is disabled and signed out everywhere` : `${user.displayName} is enabled again`,
      toastErrors: true,
    });
  }

  const actionLabel = { disable: "Disable", enable: "Enable", reset: "Reset link" } as const;
  const confirmLabel = { disable: "Confirm disable", enable: "Confirm enable", reset: "Confirm reset link" } as const;

  return (
    <div className="space-y-6">
      <InviteForm onCreated={setShown} />
      {shown && <OneTimeLink link={shown} onClose={() => setShown(null)} />}

      <div className="space-y-3">
        <form role="search" className="flex flex-wrap items-center gap-3" onSubmit={submitSearch}>
          <input type="search" aria-label="Search users" placeholder="Search name, username, email…" {...searchInput} className={`${inputClass} w-full sm:w-72`} />
          <ResultCount total={page.total} singular="user" plural="users" loading={loading} />
        </form>
        <div className={loading ? "opacity-60 transition-opacity" : undefined}>
          <TableView
            label="users"
            rows={page.users}
            rowKey={(u) => u.id}
            nothing="No user matches."
            columns={[
              { header: "Name", cell: (u) => <span className="font-medium">{u.displayName}{u.id === currentUserId && " (you)"}</span> },
              { header: "Username", cell: (u) => (u.username ? <code className="font-mono text-xs">{u.username}</code> : <span title="Signs in through the identity provider">—</span>) },
              { header: "Email", cell: (u) => u.email ?? "—" },
              { header: "Role", cell: (u) => (u.systemRole === "admin" ? <Pill tone="violet">System admin</Pill> : <Pill tone="slate">User</Pill>) },
              { header: "Status", cell: (u) => (u.disabled ? <Pill tone="red">disabled</Pill> : <Pill tone="green">active</Pill>) },
              { header: "Last sign-in", cell: (u) => when(u.lastLoginAt) },
              {
                header: "Actions",
                className: "text-right",
                cell: (u) => {
                  if (confirming?.userId === u.id) {
                    const action = confirming.action;
                    return (
                      <span className="inline-flex gap-2">
                        <button type="button" className={action === "disable" ? dangerButtonClass : buttonClass} disabled={busy} onClick={() => confirm(u, action)}>
                          {confirmLabel[action]}
                        </button>
                        <button type="button" className={secondaryButtonClass} onClick={() => setConfirming(null)}>
                          Cancel
                        </button>
                      </span>
                    );
                  }
                  const actions: Array<"disable" | "enable" | "reset"> = [];
                  if (u.username) actions.push("reset");
                  if (u.id !== currentUserId) actions.push(u.disabled ? "enable" : "disable");
                  return (
                    <span className="inline-flex gap-2">
                      {actions.map((action) => (
                        <button key={action} type="button" className={secondaryButtonClass} disabled={busy} aria-label={`${actionLabel[action]}: ${u.displayName}`} onClick={() => setConfirming({ userId: u.id, action })}>
                          {actionLabel[action]}
                        </button>
                      ))}
                    </span>
                  );
                },
              },
            ]}
          />
        </div>
        <Pager page={page} loading={loading} onPage={(n) => go({}, n)} />
      </div>

      <section aria-labelledby="pending-invites" className="space-y-3">
        <h2 id="pending-invites" className="text-lg font-semibold">
          Pending invites
        </h2>
        <TableView
          label="pending invites"
          rows={invites}
          rowKey={(i) => i.id}
          nothing="No pending invites."
          columns={[
            { header: "For", cell: (i) => i.note || "—" },
            { header: "Role", cell: (i) => (i.systemRole === "admin" ? "System admin" : "User") },
            { header: "Created", cell: (i) => when(i.createdAt) },
            { header: "Expires", cell: (i) => when(i.expiresAt) },
            {
              header: "",
              className: "text-right",
              cell: (i) =>
                revoking === i.id ? (
                  <span className="inline-flex gap-2">
                    <button
                      type="button"
                      className={dangerButtonClass}
                      disabled={busy}
                      onClick={() => {
                        setRevoking(null);
                        void run(() => apiCall("POST", `/api/v1/users/invites/${i.id}/revoke`), { success: "Invite revoked; its link no longer works", toastErrors: true });
                      }}
                    >
                      Confirm revoke
                    </button>
                    <button type="button" className={secondaryButtonClass} onClick={() => setRevoking(null)}>
                      Cancel
                    </button>
                  </span>
                ) : (
                  <button type="button" className={secondaryButtonClass} disabled={busy} aria-label={`Revoke the invite for ${i.note || "someone"}`} onClick={() => setRevoking(i.id)}>
                    Revoke
                  </button>
                ),
            },
          ]}
        />
      </section>
    </div>
  );
}
