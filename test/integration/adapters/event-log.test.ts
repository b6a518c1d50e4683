import { afterAll } from 'vitest';
import { KafkaLog } from '../../../shared/adapters/kafka-log.js';
import { MemoryLog } from '../../../shared/adapters/memory-log.js';
import { kafkaAvailable, kafkaBrokers } from '../../helpers/servers.js';
import { eventLogContract } from './event-log-contract.js';

/** One contract, every adapter: the in-process log and Kafka on a real broker behave alike. */
const memory = new MemoryLog();
eventLogContract('in-process log', async () => memory);

let kafka: KafkaLog | undefined;
eventLogContract(
  'Kafka (kafkajs, real broker)',
  async () => (kafka ??= new KafkaLog({ brokers: await kafkaBrokers(), clientId: 'contract-test', ssl: false, source: 'test broker' })),
  !kafkaAvailable(),
);

afterAll(async () => {
  await Promise.all([memory.close(), kafka?.close()]);
});
