// kafkajs 2.2.4 against the Kafka listener: admin (create topic, metadata, offsets), an
// idempotent acks=all producer, and (with --group) a consumer group that reads everything
// and commits. Prints one JSON line with what it saw; exits 0 on success, 1 otherwise.
//
//   node smoke.js --brokers 127.0.0.1:9092 --topic t [--count 100] [--group g]
'use strict';
const { Kafka, logLevel } = require('kafkajs');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const brokers = arg('brokers', '127.0.0.1:9092').split(',');
const topic = arg('topic', `kafkajs-${Date.now()}`);
const count = Number(arg('count', '100'));
const group = arg('group', null);
const partitions = 2;

const guard = setTimeout(() => {
  console.error('smoke test timed out');
  process.exit(1);
}, 90_000);

async function main() {
  const kafka = new Kafka({
    clientId: 'kafkajs-smoke',
    brokers,
    logLevel: logLevel.WARN,
    retry: { retries: 10, initialRetryTime: 200 },
  });
  const result = { topic, produced: 0, offsets: null, consumed: 0, committed: null };

  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  if (!created) throw new Error(`topic ${topic} already existed`);
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  if (metadata.topics[0].partitions.length !== partitions) throw new Error(`metadata: ${JSON.stringify(metadata)}`);

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  for (let i = 0; i < count; i += 10) {
    const messages = [];
    for (let j = i; j < Math.min(i + 10, count); j++) messages.push({ key: `k${j}`, value: `v${j}`, partition: j % partitions });
    const answers = await producer.send({ topic, acks: -1, messages });
    for (const a of answers) if (a.errorCode !== 0) throw new Error(`produce: ${JSON.stringify(a)}`);
    result.produced += messages.length;
  }
  await producer.disconnect();

  const offsets = await admin.fetchTopicOffsets(topic);
  result.offsets = offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
  const total = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  if (total !== count) throw new Error(`offsets say ${total} records, expected ${count}: ${JSON.stringify(offsets)}`);

  if (group) {
    const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1_000, allowAutoTopicCreation: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen = new Set();
    await new Promise((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const value = message.value.toString();
            if (value !== `v${message.key.toString().slice(1)}`) reject(new Error(`bad record ${value}`));
            seen.add(value);
            await consumer.commitOffsets([{ topic, partition, offset: (Number(message.offset) + 1).toString() }]);
            if (seen.size === count) resolve();
          },
        })
        .catch(reject);
    });
    result.consumed = seen.size;
    await consumer.disconnect();
    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    result.committed = committed[0].partitions.map((p) => ({ partition: p.partition, offset: p.offset }));
    const committedTotal = committed[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    if (committedTotal !== count) throw new Error(`committed offsets add up to ${committedTotal}, expected ${count}`);
  }

  await admin.disconnect();
  console.log(JSON.stringify(result));
}

main()
  .then(() => {
    clearTimeout(guard);
    process.exit(0);
  })
  .catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
  });
