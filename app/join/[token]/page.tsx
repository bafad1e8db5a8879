import { db } from "@/lib/db/client";
import { describeJoinToken } from "@/lib/enroll/enroll-service";
import { agentBundle, agentDownloadPath, AGENT_FILE_NAME } from "@/lib/enroll/agent-download";
import { joinCommands } from "@/lib/enroll/join-commands";
import { UNUSABLE_LINK } from "@/lib/enroll/join-messages";
import { publicBaseUrl } from "@/lib/enroll/link-service";
import { AuthCard } from "../../_components/auth-card";
import { CopyButton } from "../../_components/copy-button";
import { QrCode } from "../../_components/qr-code";
import { rangesText } from "@/lib/ipam/address-space";

export const dynamic = "force-dynamic";
export const metadata = { title: "Join a Nebula network", robots: { index: false } };

function Block({ children, id }: { children: string; id?: string }) {
  return (
    <pre data-command={id} tabIndex={0} className="overflow-x-auto rounded bg-slate-950 p-3 font-mono text-xs text-slate-100">
      {children}
    </pre>
  );
}

/** A command with its copy button; `id` lets the tests read the exact text a person copies. */
function Command({ label, text, id }: { label: string; text: string; id: string }) {
  return (
    <div className="space-y-1">
      <p className="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</p>
      <div className="flex items-start gap-2">
        <div className="min-w-0 flex-1">
          <Block id={id}>{text}</Block>
        </div>
        <CopyButton text={text} />
      </div>
    </div>
  );
}

/** For the person holding a join link: what they join and how. An unusable link says only that. */
export default async function JoinPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const info = await describeJoinToken(token, db);
  if (!info) {
    return (
      <AuthCard title={UNUSABLE_LINK.title} subtitle={UNUSABLE_LINK.detail}>
        <p className="text-center text-sm text-slate-600 dark:text-slate-300">{UNUSABLE_LINK.advice}</p>
      </AuthCard>
    );
  }
  const base = publicBaseUrl();
  const link = `${base}/join/${token}`;
  const bundle = await agentBundle();
  const cmd = joinCommands(base, token, { url: agentDownloadPath(base), fileName: AGENT_FILE_NAME, sha256: bundle?.sha256 ?? null });
  return (
    <main id="main" className="mx-auto max-w-3xl space-y-8 px-4 py-10">
      <header className="space-y-1">
        <h1 className="text-2xl font-semibold">Join “{info.networkName}”</h1>
        <p className="text-sm text-slate-500 dark:text-slate-400">
          A Nebula overlay network ({rangesText(info)}). This link expires {info.expiresAt.toLocaleString()}.
          {info.presetGroups.length > 0 && ` New hosts join the groups ${info.presetGroups.join(", ")}.`}
          {info.requiresApproval && " An administrator approves each host before it gets its certificate."}
        </p>
      </header>

      {cmd.insecure && (
        <div role="note" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
          This server&apos;s address is plain <code>http</code>: the host&apos;s credential and certificates cross the network unencrypted. The commands below carry{" "}
          <code>--insecure-http</code> to accept that; on anything but a trusted link, ask the administrator to serve the app over https.
        </div>
      )}

      <section className="space-y-3">
        <h2 className="text-lg font-medium">Linux: one command</h2>
        <p className="text-sm text-slate-600 dark:text-slate-300">
          Needs curl and Nebula (Debian/Ubuntu: <code>apt-get install nebula</code>). The key pair is made on your host and the private key never leaves it. The
          script enrolls, starts nebula and keeps it current: rule changes, new peers, blocks and certificate renewals arrive by themselves. It prints why when
          something fails and exits non-zero, leaving nothing behind.
        </p>
        <Command label="As root" id="oneliner-root" text={cmd.oneLinerRoot} />
        <Command label="With sudo" id="oneliner-sudo" text={cmd.oneLinerSudo} />
        <Command label="Choosing the node's name and the directory" id="oneliner-options" text={cmd.oneLinerWithOptions} />
        <ul className="list-disc space-y-1 pl-5 text-sm text-slate-600 dark:text-slate-300">
          <li>
            With systemd, the agent becomes the unit <code>nc-agent.service</code> and starts at boot. Without systemd (containers, namespaces), it runs in the
            background with a pidfile, and the script prints how to stop it and how to start it from your own init system; add <code>--foreground</code> to run it
            in the terminal instead.
          </li>
          <li>
            Other options: <code>--no-service</code> (no systemd unit), <code>--replace</code> (this host is already enrolled and should become a new node; the
            old one is deleted). Status on the host: <code>sh /etc/nebula/nc-agent.sh status</code>.
          </li>
        </ul>
      </section>

      <section className="space-y-3">
        <h2 className="text-lg font-medium">With nc-agent (needs Node.js 18 or later)</h2>
        <p className="text-sm text-slate-600 dark:text-slate-300">
          The same agent as one file, served by this server: {AGENT_FILE_NAME}
          {bundle ? (
            <>
              , SHA-256 <code className="break-all font-mono text-xs">{bundle.sha256}</code>
            </>
          ) : (
            " (not built on this server)"
          )}
          .
        </p>
        <Command label="Download and check it" id="agent-download" text={`${cmd.agentDownload}\n${cmd.agentVerify}`} />
        <Command label="Enroll (add --service to install a systemd unit), then run it" id="agent-enroll" text={`${cmd.agentEnroll}\n${cmd.agentRun}`} />
        <p className="text-sm text-slate-600 dark:text-slate-300">
          <code>{cmd.agentStatus}</code> shows the network, address, applied revision, certificate expiry, last poll and last error.
        </p>
      </section>

      <section className="space-y-2">
        <h2 className="text-lg font-medium">Other systems, by hand</h2>
        <ol className="list-decimal space-y-2 pl-5 text-sm text-slate-600 dark:text-slate-300">
          <li>
            Make a key pair: <code>nebula-cert keygen -out-key host.key -out-pub host.pub</code>
          </li>
          <li>
            Enroll: send <code>{`{"token": "<this link's token>", "hostname": "<name>", "publicKeyPem": "<host.pub>"}`}</code> to <code>POST {base}/api/v1/enroll</code>. The answer holds a node credential.
          </li>
          <li>
            Fetch <code>config.yml</code>, <code>ca.crt</code> and <code>host.crt</code> from <code>{base}/api/v1/node/files/&lt;file&gt;</code> with <code>Authorization: Bearer &lt;credential&gt;</code>, and start <code>nebula -config config.yml</code>.
          </li>
        </ol>
      </section>

      <section className="space-y-2">
        <h2 className="text-lg font-medium">Mobile Nebula (iOS, Android)</h2>
        <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-600 dark:text-slate-300">
          <li>In Mobile Nebula, add a site and open its Certificate screen; copy or share the public key it shows.</li>
          <li>Send that public key to the administrator (it is safe to share): they sign it on the node&apos;s page.</li>
          <li>Scan the certificate and CA QR codes they show you, and add the lighthouse from the static host map.</li>
        </ol>
        <QrCode text={link} label="This join link" size={160} />
      </section>
    </main>
  );
}
