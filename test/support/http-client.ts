/** A request's outcome as a client sees it: an answer, or a failure to get one (reset, refused, timeout). */
export type Outcome =
  | { ok: true; status: number; headers: Headers; body: any; text: string; sentAt: number; ms: number }
  | { ok: false; error: string; sentAt: number; ms: number };

export interface Send {
  token?: string;
  key?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One HTTP request with fetch, never throwing: a failure is an outcome too. */
export async function send(baseUrl: string, method: string, path: string, options: Send = {}): Promise<Outcome> {
  const sentAt = Date.now();
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.key) headers['idempotency-key'] = options.key;
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { ok: true, status: res.status, headers: res.headers, body, text, sentAt, ms: Date.now() - sentAt };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return {
      ok: false,
      error: cause?.code ?? cause?.message ?? (err as Error).message,
      sentAt,
      ms: Date.now() - sentAt,
    };
  }
}

/** Signs up a user and logs in (both must succeed): the bearer token and the user's id. */
export async function newUser(baseUrl: string, name: string): Promise<{ id: string; email: string; token: string }> {
  const email = `${name}-${Date.now()}-${Math.floor(Math.random() * 1e9)}@example.test`;
  const password = 'correct horse battery';
  const signup = await send(baseUrl, 'POST', '/api/v1/signup', { body: { name, email, password } });
  if (!signup.ok || signup.status !== 201) throw new Error(`signup failed: ${JSON.stringify(signup)}`);
  const login = await send(baseUrl, 'POST', '/api/v1/auth/login', { body: { email, password } });
  if (!login.ok || login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login)}`);
  return { id: signup.body.id, email, token: login.body.accessToken };
}

/** Creates one task per title for the token's user (each must answer 201); their ids in order. */
export async function createTasks(baseUrl: string, token: string, titles: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const title of titles) {
    const created = await send(baseUrl, 'POST', '/api/v1/tasks', { token, body: { title } });
    if (!created.ok || created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created)}`);
    ids.push(created.body.id);
  }
  return ids;
}
