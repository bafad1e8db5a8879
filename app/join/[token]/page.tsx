import { db } from "@/lib/db/client";
import { describeJoinToken } from "@/lib/enroll/enroll-service";
import { publicBaseUrl } from "@/lib/enroll/link-service";
import { AuthCard } from "../../_components/auth-card";
import { CopyButton } from "../../_components/copy-button";
import { QrCode } from "../../_components/qr-code";

export const dynamic = "force-dynamic";
export const metadata = { title: "Join a Nebula network", robots: { index: false } };

function Block({ children }: { children: string }) {
  return <pre className="overflow-x-auto rounded bg-slate-950 p-3 font-mono text-xs text-slate-100">{children}</pre>;
}

/** For the person holding a join link: what they join and how. An unusable link says only that. */
export default async function JoinPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const info = await describeJoinToken(token, db);
  if (!info) {
    return (
      <AuthCard title="This join link cannot be used" subtitle="It may have expired, been used up or been revoked.">
        <p className="text-center text-sm text-slate-600 dark:text-slate-300">Ask the network&apos;s administrator for a new link.</p>
      </AuthCard>
    );
  }
  const base = publicBaseUrl();
  const link = `${base}/join/${token}`;
  const oneLiner = `curl -fsSL ${link}/install.sh | sudo sh`;
  return (
    <main id="main" className="mx-auto max-w-3xl space-y-8 px-4 py-10">
      <header className="space-y-1">
        <h1 className="text-2xl font-semibold">Join “{info.networkName}”</h1>
        <p className="text-sm text-slate-500 dark:text-slate-400">
          A Nebula overlay network ({info.cidr}). This link expires {info.expiresAt.toLocaleString()}.
          {info.presetGroups.length > 0 && ` New hosts join the groups ${info.presetGroups.join(", ")}.`}
          {info.requiresApproval && " An administrator approves each host before it gets its certificate."}
        </p>
      </header>

      <section className="space-y-2">
        <h2 className="text-lg font-medium">Linux: one command</h2>
        <p className="text-sm text-slate-600 dark:text-slate-300">Needs curl and Nebula (Debian/Ubuntu: <code>apt-get install nebula</code>). The key pair is made on your host; the private key never leaves it.</p>
        <div className="flex items-start gap-2">
          <div className="min-w-0 flex-1">
            <Block>{oneLiner}</Block>
          </div>
          <CopyButton text={oneLiner} />
        </div>
      </section>

      <section className="space-y-2">
        <h2 className="text-lg font-medium">With the nc-agent</h2>
        <Block>{`sudo nc-agent enroll ${link} --dir /etc/nebula\nsudo nc-agent run --dir /etc/nebula`}</Block>
        <p className="text-sm text-slate-600 dark:text-slate-300">The agent keeps the host current: rule changes, new peers and revocations are applied with a reload, and certificates renew by themselves.</p>
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
