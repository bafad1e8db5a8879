/**
 * The commands the join page shows, built in one place. The network lab reads them back from the
 * page's HTML and runs them as they are, so what a person copies is what the tests prove.
 */
export interface JoinCommands {
  /** The server's own URL is plain http: every command needs --insecure-http, and the page warns. */
  insecure: boolean;
  oneLinerRoot: string;
  oneLinerSudo: string;
  oneLinerWithOptions: string;
  agentDownload: string;
  agentVerify: string;
  agentEnroll: string;
  agentRun: string;
  agentStatus: string;
}

export function joinCommands(base: string, token: string, agent: { url: string; fileName: string; sha256: string | null }): JoinCommands {
  const link = `${base}/join/${token}`;
  const insecure = base.startsWith("http://");
  const flag = insecure ? " --insecure-http" : "";
  const script = `curl -fsSL ${link}/install.sh`;
  return {
    insecure,
    oneLinerRoot: insecure ? `${script} | sh -s --${flag}` : `${script} | sh`,
    oneLinerSudo: insecure ? `${script} | sudo sh -s --${flag}` : `${script} | sudo sh`,
    oneLinerWithOptions: `${script} | sudo sh -s --${flag} --hostname web1 --dir /etc/nebula`,
    agentDownload: `curl -fsSLo /usr/local/bin/nc-agent ${agent.url}`,
    agentVerify: agent.sha256 ? `echo "${agent.sha256}  /usr/local/bin/nc-agent" | sha256sum -c - && chmod 755 /usr/local/bin/nc-agent` : "chmod 755 /usr/local/bin/nc-agent",
    agentEnroll: `sudo nc-agent enroll ${link} --dir /etc/nebula${flag}`,
    agentRun: "sudo nc-agent run --dir /etc/nebula",
    agentStatus: "sudo nc-agent status --dir /etc/nebula",
  };
}
