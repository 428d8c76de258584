// The command line shared with the Hangfire peer: --redis host:port --jobs N --workers W [--processes P] [--timeout-seconds S];
// Redis's password, when it has one, in REDIS_PASSWORD (not on the command line, where ps shows it).
export const queueName = 'tiny';
// BullMQ's keys start with this prefix, never with our engine's "reports:".
export const prefix = 'bench-peers-bullmq';

export function parseOptions(argv) {
  const options = { redis: '127.0.0.1:6379', jobs: 20000, workers: 2, processes: 1, timeoutSeconds: 600 };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    if (value === undefined) {
      throw new Error(`${name} needs a value`);
    }
    i++;
    switch (name) {
      case '--redis': options.redis = value; break;
      case '--jobs': options.jobs = positive(name, value); break;
      case '--workers': options.workers = positive(name, value); break;
      case '--processes': options.processes = positive(name, value); break;
      case '--timeout-seconds': options.timeoutSeconds = positive(name, value); break;
      default: throw new Error(`unknown argument ${name}`);
    }
  }
  return options;
}

export function redisOptions(address) {
  const separator = address.lastIndexOf(':');
  const host = separator > 0 ? address.slice(0, separator) : address;
  const port = separator > 0 ? Number(address.slice(separator + 1)) : 6379;
  // BullMQ requires maxRetriesPerRequest: null on connections that block (its workers').
  return { host, port, password: process.env.REDIS_PASSWORD || undefined, maxRetriesPerRequest: null };
}

function positive(name, text) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, not '${text}'`);
  }
  return value;
}
