/** Pairing the PUBACKs a proxy saw with the PUBLISHes they acknowledged. */
import type { IPublishPacket } from 'mqtt-packet';
import type { TappedPacket } from './tcp-proxy';

/** Pairs each PUBACK the bridge sent with the PUBLISH it acknowledged (same connection, same id, latest before it). */
export function pairAcks(
  packets: TappedPacket[],
): Array<{ connection: number; n: number; publishSeq: number; ackSeq: number }> {
  const open = new Map<string, { n: number; seq: number }>();
  const pairs: Array<{ connection: number; n: number; publishSeq: number; ackSeq: number }> = [];
  for (const p of packets) {
    if (p.direction === 'toClient' && p.packet.cmd === 'publish') {
      const pub = p.packet as IPublishPacket;
      const n = (JSON.parse(Buffer.from(pub.payload as Buffer).toString()) as { n: number }).n;
      open.set(`${p.connection}/${pub.messageId}`, { n, seq: p.seq });
    } else if (p.direction === 'toBroker' && p.packet.cmd === 'puback') {
      const key = `${p.connection}/${p.packet.messageId}`;
      const pub = open.get(key);
      if (!pub) throw new Error(`PUBACK ${key} answers no PUBLISH`);
      open.delete(key);
      pairs.push({ connection: p.connection, n: pub.n, publishSeq: pub.seq, ackSeq: p.seq });
    }
  }
  return pairs;
}
