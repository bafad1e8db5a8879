// The raw nebula-cert loop's own small process (see raw-sign-loop.ts): runs a block of commands at
// the asked concurrency and answers with each run's time, from spawn to exit, and the block's.
import { execFile } from "node:child_process";

function runOne(bin, job, timeoutMs, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(bin, job.args, { cwd: job.cwd, timeout: timeoutMs, env }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${error.message}${stderr ? `\n${stderr}` : ""}`));
      else resolve(performance.now() - started);
    });
  });
}

async function runBlock(message) {
  const latencies = [];
  let next = 0;
  const worker = async () => {
    while (next < message.jobs.length) latencies.push(await runOne(message.bin, message.jobs[next++], message.timeoutMs, message.env));
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(message.parallel, message.jobs.length) }, worker));
  return { latencies, ms: performance.now() - started };
}

process.on("message", (message) => {
  runBlock(message).then(
    (result) => process.send({ id: message.id, ...result }),
    (error) => process.send({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on("disconnect", () => process.exit(0));
