import { createHash } from 'node:crypto';
import { ProblemException } from '../http/problem.js';

/** 1..255 printable ASCII characters (space to tilde), as the key travels in a header. */
const BARE = /^[\x20-\x7e]{1,255}$/;
/** RFC 8941 sf-string: DQUOTE *( unescaped / "\" ( DQUOTE / "\" ) ) DQUOTE. */
const SF_STRING = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/;

/**
 * The key a client sent in `Idempotency-Key`: bare, as Stripe's clients send it, or as the IETF
 * draft's structured-field string (`"abc"`, with `\"` and `\\` escapes). Surrounding spaces are
 * ignored. Anything else (empty, over 255 characters, control or non-ASCII characters, a list of
 * headers) is a 400. Undefined when the header is absent.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw badKey('Send one Idempotency-Key header.');
  const raw = header.trim();
  let key = raw;
  if (raw.startsWith('"')) {
    const quoted = SF_STRING.exec(raw);
    if (!quoted) throw badKey('Idempotency-Key is not a valid structured-field string.');
    key = quoted[1].replace(/\\(["\\])/g, '$1');
  }
  if (!BARE.test(key)) throw badKey('Idempotency-Key must be 1 to 255 printable ASCII characters.');
  return key;
}

function badKey(detail: string): ProblemException {
  return new ProblemException(400, 'invalid-idempotency-key', detail);
}

/** JSON with object keys sorted at every depth: two bodies that differ only in key order are equal. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * What the request asks for: the method, the concrete target (`/api/v1/tasks/<id>`, with its
 * query if any) and the canonical body, hashed. The same key sent to another target or with
 * another body is another request: 422, never a replay.
 */
export function fingerprintOf(method: string, target: string, body: unknown): string {
  return sha256(`${method.toUpperCase()}\n${target}\n${canonicalJson(body)}`);
}

/** Where a key lives: the caller (user id, or `anonymous`) and the key, hashed. One caller's key never finds another caller's record. */
export function scopeOf(caller: string | undefined, key: string): string {
  return sha256(`${caller ?? 'anonymous'}\n${key}`);
}
