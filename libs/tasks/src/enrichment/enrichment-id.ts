import { createHash } from 'node:crypto';

const NAMESPACE = Buffer.from('6f1c2b9e4d7a4e0f9b3c8a5d2e1f0a7b', 'hex');

/** A UUIDv5 of (task, source event, analyser version): the enrichment's aggregate id, so a repeat is detectable. */
export function enrichmentId(taskId: string, eventId: string, analyserVersion: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${taskId}|${eventId}|${analyserVersion}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
