/**
 * One webhook worker in a process of its own, as an app replica runs it, for the failover test:
 * `tsx lib/testing/webhook-worker-process.ts`. It prints one JSON line when ready and one per
 * finished attempt, and stops cleanly on SIGTERM (SIGKILL is the test's crash).
 */
import { startWebhookWorker } from "@/lib/webhooks/worker";

const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ pid: process.pid, ...line })}\n`);

const worker = await startWebhookWorker({ pollingIntervalSeconds: 0.5, schedule: false, onAttempt: (info) => say({ event: "attempt", ...info }) });
say({ event: "ready" });
process.on("SIGTERM", () => void worker.stop().then(() => process.exit(0)));
