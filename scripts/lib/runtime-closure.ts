/**
 * The installed packages one package needs at run time, read from package-lock.json: its
 * `dependencies` and installed `optionalDependencies`, followed with Node's lookup rules (nearest
 * node_modules first). Peer dependencies are the host's business and are not followed, so the
 * Prisma CLI does not drag TypeScript into the image.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

type LockPackage = { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; optional?: boolean };
type Lockfile = { packages: Record<string, LockPackage> };

/** Where `name` resolves from the package at `from` (a lockfile key such as `node_modules/a`). */
function resolveFrom(packages: Lockfile["packages"], from: string, name: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return null;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up < 0 ? "" : dir.slice(0, up);
  }
}

/** Lockfile locations (relative to the project) of `root` and every package it needs to run. */
export function runtimeClosure(projectDir: string, root: string): string[] {
  const lock = JSON.parse(readFileSync(path.join(projectDir, "package-lock.json"), "utf8")) as Lockfile;
  const start = `node_modules/${root}`;
  if (!lock.packages[start]) throw new Error(`${root} is not in package-lock.json`);
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift()!;
    const entry = lock.packages[at]!;
    const wanted = [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {})];
    for (const name of wanted) {
      const found = resolveFrom(lock.packages, at, name);
      if (found === null) {
        if (entry.optionalDependencies?.[name]) continue;
        throw new Error(`${at} needs ${name}, which package-lock.json does not have`);
      }
      // Optional packages for other platforms are in the lockfile but were never installed.
      if (lock.packages[found]!.optional && !existsSync(path.join(projectDir, found))) continue;
      if (!seen.has(found)) {
        seen.add(found);
        queue.push(found);
      }
    }
  }
  return [...seen].sort();
}
