/**
 * Finds a nebula-cert for the demo: NEBULA_CERT_BIN, Debian's package, or a Go build under
 * .cache/. Failing all three it builds one when Go is present, and otherwise stops with a message
 * that says how to get it.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

function works(bin: string): boolean {
  try {
    execFileSync(bin, ["-version"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export async function locateNebulaCert(root: string): Promise<string> {
  const candidates = [process.env.NEBULA_CERT_BIN, "/usr/bin/nebula-cert", path.join(root, ".cache/nebula/v1.10.3/nebula-cert")].filter((c): c is string => Boolean(c));
  for (const c of candidates) if (existsSync(c) && works(c)) return c;
  if (works("go") || existsSync("/usr/local/go/bin/go")) {
    console.log("[demo] nebula-cert not found; building it from the Go module proxy (scripts/build-nebula.sh)");
    try {
      const dir = execFileSync("bash", [path.join(root, "scripts/build-nebula.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
      const bin = path.join(dir, "nebula-cert");
      if (works(bin)) return bin;
    } catch {
      /* fall through to the message */
    }
  }
  console.error(
    "\n[demo] nebula-cert is needed to create certificate authorities and sign hosts, and none was found.\n" +
      "       Install it with `sudo apt-get install nebula` (Debian/Ubuntu), or build it with Go:\n" +
      "       `bash scripts/build-nebula.sh`, or point NEBULA_CERT_BIN at an existing binary.\n",
  );
  process.exit(1);
}
