/** One JSON API call: status, headers and parsed body (undefined when empty). `auth` is a bearer() result or null. */
export async function apiCall(
  baseUrl: string,
  method: string,
  path: string,
  auth: { authorization: string } | null,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: {
      ...(auth ? { authorization: auth.authorization } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();

  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** The answer is RFC 9457 problem+json with this status (and code, when given). */
export function expectProblem(
  r: { status: number; headers: Headers; body: { code?: string } },
  status: number,
  code?: string,
): void {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (code) expect(r.body.code).toBe(code);
}
