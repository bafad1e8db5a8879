/**
 * nc-agent: the node side of Nebula Commander.
 *   nc-agent enroll <join link> [--dir /etc/nebula] [--hostname NAME] [--replace] [--insecure-http] [--service]
 *   nc-agent run    [--dir /etc/nebula] [--nebula /usr/bin/nebula] [--interval SECONDS] [--no-long-poll]
 *   nc-agent status [--dir /etc/nebula]
 * Exit codes: 0 ok, 1 failed, 2 usage, 3 the node was blocked, 4 the node was deleted.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import { parseArgs } from "node:util";
import { AgentExit, enrollCommand, runCommand, statusCommand } from "./agent";
import { supervisedNebula } from "./nebula-runner";
import { AGENT_VERSION, EXIT } from "./protocol";

const log = (message: string) => console.log(`${new Date().toISOString()} nc-agent: ${message}`);
const USAGE = `nc-agent ${AGENT_VERSION}
usage: nc-agent enroll <join link> [--dir /etc/nebula] [--hostname NAME] [--replace] [--insecure-http] [--service]
       nc-agent run [--dir /etc/nebula] [--nebula nebula] [--interval SECONDS] [--no-long-poll]
       nc-agent status [--dir /etc/nebula]`;

function unitFile(agentPath: string, dir: string): string {
  return `[Unit]
Description=Nebula Commander agent (runs nebula and keeps ${dir} current)
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=${process.execPath} ${agentPath} run --dir ${dir}
Restart=on-failure
RestartSec=5
# 3: the node was blocked, 4: it was deleted. Restarting cannot help either.
RestartPreventExitStatus=${EXIT.blocked} ${EXIT.gone}

[Install]
WantedBy=multi-user.target
`;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: "string", default: "/etc/nebula" },
      hostname: { type: "string" },
      interval: { type: "string" },
      // For a proxy that cuts requests idle for a minute: poll every interval instead of waiting.
      "no-long-poll": { type: "boolean" },
      nebula: { type: "string", default: "nebula" },
      "nebula-cert": { type: "string", default: "nebula-cert" },
      replace: { type: "boolean", default: false },
      "insecure-http": { type: "boolean", default: false },
      service: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
      version: { type: "boolean", default: false },
    },
  });
  if (values.version) return (console.log(AGENT_VERSION), EXIT.ok);
  const [command, arg] = positionals;
  const common = { dir: values.dir!, nebulaCert: values["nebula-cert"]!, log };
  if (values.help || !command) return (console.log(USAGE), values.help ? EXIT.ok : EXIT.usage);

  if (command === "enroll") {
    if (!arg) throw new AgentExit(`usage: nc-agent enroll <join link>\n${USAGE}`, EXIT.usage);
    await enrollCommand({ ...common, link: arg, hostname: (values.hostname ?? osHostname()).toLowerCase(), insecureHttp: values["insecure-http"]!, replace: values.replace! });
    if (values.service) {
      if (!existsSync("/run/systemd/system")) throw new AgentExit("--service needs systemd, and this host does not run it: start `nc-agent run` under your own supervisor instead", EXIT.failed);
      await writeFile("/etc/systemd/system/nc-agent.service", unitFile(process.argv[1]!, values.dir!), { mode: 0o644 });
      log("installed /etc/systemd/system/nc-agent.service; start it with `systemctl daemon-reload && systemctl enable --now nc-agent`");
    }
    return EXIT.ok;
  }
  if (command === "run") {
    const nebula = supervisedNebula({ nebulaBin: values.nebula!, dir: values.dir!, log });
    const controller = new AbortController();
    const stop = async () => {
      controller.abort();
      await nebula.stop();
      process.exit(EXIT.ok);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    await runCommand({ ...common, nebula, intervalSeconds: values.interval ? Number(values.interval) : undefined, longPoll: !values["no-long-poll"], signal: controller.signal });
    return EXIT.ok;
  }
  if (command === "status") {
    console.log(await statusCommand({ ...common, nebulaBin: values.nebula! }));
    return EXIT.ok;
  }
  throw new AgentExit(USAGE, EXIT.usage);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`nc-agent: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof AgentExit ? error.code : EXIT.failed);
  },
);
