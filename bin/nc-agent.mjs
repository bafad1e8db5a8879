#!/usr/bin/env node
// Runs the TypeScript agent through tsx, so the package's `bin` needs no separate build step.
import { register } from "tsx/esm/api";

register();
await import("../lib/agent/cli.ts");
