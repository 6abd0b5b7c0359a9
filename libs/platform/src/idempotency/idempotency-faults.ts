import type { StoredResponse } from './idempotency-store.js';

/**
 * Test seam: called after a keyed command committed, with the response as it was about to be sent
 * and stored. Returning true makes this request behave like a process that died right there: the
 * connection is cut, nothing is sent, stored, released or renewed (the lease just runs out).
 * Never set outside tests.
 */
export const idempotencyFaults: { afterCommit?: (response: StoredResponse) => boolean } = {};
