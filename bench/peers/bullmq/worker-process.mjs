// One worker process: a BullMQ Worker with the given concurrency running a no-op, reporting completions to the
// driver (bench.mjs) over IPC, coalesced so the reporting costs far less than the jobs.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { parseOptions, prefix, queueName, redisOptions } from './options.mjs';

const options = parseOptions(process.argv.slice(2));
const worker = new Worker(queueName, async () => {}, {
  connection: new Redis(redisOptions(options.redis)),
  prefix,
  concurrency: options.workers,
});

let completed = 0;
let flushScheduled = false;
worker.on('completed', () => {
  completed++;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      process.send({ completed });
      completed = 0;
    });
  }
});
worker.on('failed', (job, error) => process.send({ failed: `${job?.id}: ${error?.message}` }));
worker.on('error', (error) => console.error(`[bullmq worker ${process.pid}] ${error.message}`));

process.on('message', async (message) => {
  if (message === 'stop') {
    await worker.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0)); // the driver died: never outlive it

await worker.waitUntilReady();
process.send({ ready: true });
