/**
 * An aedes MQTT broker on 127.0.0.1 in a process of its own, so a test can take it away (SIGTERM)
 * and bring it back on the same port as it would a mosquitto. Started by startBroker
 * (mqtt-broker.ts) with child_process.fork; says `listening` over IPC, and exits when that channel
 * closes, so it never outlives its test. In-memory state only, like mosquitto with persistence off.
 *
 * argv: port
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write(`aedes-broker-child: a port is needed, got ${process.argv[2]}\n`);
  process.exit(2);
}
process.on('disconnect', () => process.exit(0));

const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.once('error', (err) => {
  process.stderr.write(`aedes-broker-child: cannot listen on 127.0.0.1:${port}: ${err.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => process.send?.('listening'));
