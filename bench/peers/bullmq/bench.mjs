// Benchmark scenario 6, the BullMQ peer: N no-op jobs through P worker processes, each a Worker with concurrency W, on
// the system's Redis under a prefix of their own. The protocol is the one of our engine's queue scenario: the workers
// are up and idle, 8 concurrent clients add the jobs one by one while the workers consume them, and the time runs from
// the first add to the N-th completion. A warm-up batch runs first. Prints one JSON line on stdout; progress on stderr.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parseOptions, prefix, queueName, redisOptions } from './options.mjs';

const submitters = 8;
const warmUpJobs = 50;
const options = parseOptions(process.argv.slice(2));
const children = [];
const limit = setTimeout(() => {
  console.error(`[bullmq] did not finish within ${options.timeoutSeconds} s`);
  children.forEach((child) => child.kill('SIGKILL'));
  process.exit(3);
}, options.timeoutSeconds * 1000);

const connection = new Redis(redisOptions(options.redis)); // BullMQ never closes a connection it was given
const queue = new Queue(queueName, { connection, prefix });
await queue.obliterate({ force: true });

let completed = 0;
let waiting = null; // { target, resolve, reject } of the batch being awaited
const workerArguments = ['--redis', options.redis, '--workers', String(options.workers)];
for (let i = 0; i < options.processes; i++) {
  const child = fork(fileURLToPath(new URL('./worker-process.mjs', import.meta.url)), workerArguments);
  child.on('message', (message) => {
    if (message.completed) {
      completed += message.completed;
      if (waiting && completed >= waiting.target) {
        waiting.resolve(performance.now());
      }
    } else if (message.failed) {
      waiting?.reject(new Error(`a no-op job failed: ${message.failed}`));
    }
  });
  child.on('exit', (code) => {
    if (code !== 0) {
      waiting?.reject(new Error(`a worker process exited with code ${code}`));
    }
  });
  children.push(child);
}
await Promise.all(children.map((child) => once(child, 'message')));

await runBatch(warmUpJobs);
// 'timed batch started' is the marker Reports.Bench measures CPU from (bench/peers/PeerProtocol.cs).
console.error(`[bullmq] timed batch started: ${options.jobs} jobs, ${options.processes} x ${options.workers} workers`);
const batch = await runBatch(options.jobs);
console.log(JSON.stringify({
  peer: 'bullmq',
  jobs: options.jobs,
  workers: options.workers,
  processes: options.processes,
  seconds: batch.seconds,
  jobsPerSecond: options.jobs / batch.seconds,
  enqueueSeconds: batch.enqueueSeconds,
}));

children.forEach((child) => child.send('stop'));
await Promise.all(children.map((child) => once(child, 'exit')));
await queue.obliterate({ force: true });
await queue.close();
await connection.quit();
clearTimeout(limit);

/** Adds `count` no-op jobs from a few concurrent clients and resolves when the workers have completed them all. */
async function runBatch(count) {
  completed = 0;
  const done = new Promise((resolve, reject) => { waiting = { target: count, resolve, reject }; });
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: submitters }, async () => {
    while (next < count) {
      next++;
      await queue.add('noop', {}, { removeOnComplete: true, removeOnFail: 1000, attempts: 1 });
    }
  }));
  const enqueued = performance.now();
  const finished = await done;
  waiting = null;
  return { seconds: (finished - started) / 1000, enqueueSeconds: (enqueued - started) / 1000 };
}
