/**
 * A bound on the size of the packets a broker may send this client. mqtt.js's parser keeps a
 * packet's bytes until the whole packet has come, however large its header says it is (up to the
 * protocol's 256 MB), and mqtt.js checks `properties.maximumPacketSize` only for MQTT 5 and only
 * once the packet is whole. So a hostile broker's PUBLISH declaring 268 MB was buffered.
 *
 * This reads only the fixed headers as the bytes arrive (a type byte, then the remaining length in
 * one to four 7-bit groups) and skips each packet's body, so it holds nothing but its position.
 * When a header declares more than the limit, `onTooLarge` is called before more than the chunk
 * in hand has reached the parser; the caller then destroys the connection.
 */
import type { Readable } from 'node:stream';

/** The publisher subscribes to nothing: what it receives are acks, pings and CONNACK, a few bytes each. */
export const MAX_INCOMING_PACKET_BYTES = 64 * 1024;

export function watchPacketSizes(stream: Pick<Readable, 'on' | 'off'>, maxBytes: number, onTooLarge: (declared: number) => void): () => void {
  // Where we are: in a header (reading its length bytes), or skipping `remaining` bytes of a body.
  let inHeader = false;
  let length = 0;
  let shift = 0;
  let remaining = 0;
  let done = false;
  const onData = (chunk: Uint8Array) => {
    let i = 0;
    while (!done && i < chunk.length) {
      if (remaining > 0) {
        const skip = Math.min(remaining, chunk.length - i);
        remaining -= skip;
        i += skip;
        continue;
      }
      if (!inHeader) {
        inHeader = true; // the type-and-flags byte
        length = 0;
        shift = 0;
        i++;
        continue;
      }
      const byte = chunk[i++];
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte & 0x80 && shift < 28) continue;
      // The whole packet: the type byte, the length bytes and the body.
      inHeader = false;
      const total = 1 + shift / 7 + length;
      if (total > maxBytes) {
        done = true;
        stream.off('data', onData);
        onTooLarge(total);
        return;
      }
      remaining = length;
    }
  };
  stream.on('data', onData);
  return () => stream.off('data', onData);
}
