/** pg SQLSTATE classes, Prisma codes, socket codes and driver messages that mean "the database is not there right now". */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3])/;
const UNAVAILABLE_CODES = new Set([
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ENETUNREACH',
]);
// "is not queryable": node-postgres's answer to a statement sent on a client whose connection
// was lost between two statements (or closed), e.g. a transaction's connection cut by a restart.
const UNAVAILABLE_MESSAGE =
  /timeout exceeded when trying to connect|Connection terminated|Can't reach database|database system is (starting up|shutting down)|terminating connection|is not queryable/i;

/** True when an error means the database is unreachable or saturated (answer 503), not a bug. */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_CODES.has(code))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    e = cause;
  }
  return false;
}

/** True for a unique-constraint violation, however Prisma or pg wrapped it (P2002, SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; meta?: { code?: string }; cause?: { code?: string }; message?: string } | undefined;
  return (
    e?.code === 'P2002' ||
    e?.code === '23505' ||
    e?.meta?.code === '23505' ||
    e?.cause?.code === '23505' ||
    /23505|unique constraint/i.test(e?.message ?? '')
  );
}
