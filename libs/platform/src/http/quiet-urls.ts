/** Probes and scrapes: neither traced nor logged. */
const QUIET = /^\/(health|ready|metrics)(\?|$)/;

/** Whether a request URL (or a route path) is a probe's or a scrape's. */
export function isQuietUrl(url: string): boolean {
  return QUIET.test(url);
}
