/**
 * nc-agent: the node side of Nebula Commander.
 *   nc-agent enroll <join link> [--dir /etc/nebula] [--hostname NAME] [--systemd]
 *   nc-agent run [--dir /etc/nebula] [--interval 60] [--nebula /usr/bin/nebula] [--systemd-unit nebula]
 */
import { hostname as osHostname } from "node:os";
import { parseArgs } from "node:util";
import { writeFile } from "node:fs/promises";
import { enrollCommand, runCommand } from "./agent";
import { supervisedNebula, systemdNebula } from "./nebula-runner";

const log = (message: string) => console.log(`${new Date().toISOString()} nc-agent: ${message}`);

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    dir: { type: "string", default: "/etc/nebula" },
    hostname: { type: "string" },
    interval: { type: "string" },
    nebula: { type: "string", default: "nebula" },
    "nebula-cert": { type: "string", default: "nebula-cert" },
    "systemd-unit": { type: "string" },
    systemd: { type: "boolean", default: false },
  },
});

const [command, arg] = positionals;
const common = { dir: values.dir!, nebulaCert: values["nebula-cert"]!, log };

async function main() {
  if (command === "enroll") {
    if (!arg) throw new Error("usage: nc-agent enroll <join link>");
    await enrollCommand({ ...common, link: arg, hostname: (values.hostname ?? osHostname()).toLowerCase() });
    if (values.systemd) {
      await writeFile(
        "/etc/systemd/system/nc-agent.service",
        `[Unit]\nDescription=Nebula Commander agent\nAfter=network-online.target\n\n[Service]\nExecStart=${process.argv[1]} run --dir ${values.dir}\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\n`,
      );
      log("installed /etc/systemd/system/nc-agent.service; enable it with `systemctl enable --now nc-agent`");
    }
    return;
  }
  if (command === "run") {
    const nebula = values["systemd-unit"] ? systemdNebula(values["systemd-unit"], log) : supervisedNebula({ nebulaBin: values.nebula!, dir: values.dir!, log });
    const controller = new AbortController();
    const stop = async () => {
      controller.abort();
      await nebula.stop();
      process.exit(0);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    await runCommand({ ...common, nebula, intervalSeconds: values.interval ? Number(values.interval) : undefined, signal: controller.signal });
    return;
  }
  throw new Error("usage: nc-agent enroll <join link> | nc-agent run");
}

main().catch((error: unknown) => {
  console.error(`nc-agent: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
