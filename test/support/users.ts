import { randomUUID } from 'node:crypto';

export interface SignedUp {
  id: string;
  email: string;
  password: string;
  body: Record<string, unknown>;
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** Signs up a fresh user through POST /api/v1/signup (201 expected). */
export async function signUp(baseUrl: string, overrides: Record<string, unknown> = {}): Promise<SignedUp> {
  const payload = {
    name: 'Test User',
    email: `u-${randomUUID()}@example.test`,
    password: 'correct horse battery',
    ...overrides,
  };
  const res = await fetch(`${baseUrl}/api/v1/signup`, json(payload));
  if (res.status !== 201) throw new Error(`signup answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as Record<string, unknown>;
  return { id: String(body.id), email: String(payload.email), password: String(payload.password), body };
}

/** Logs in through POST /api/v1/auth/login (200 expected); `ip` goes in X-Forwarded-For so rate limits do not collide. */
export async function logIn(baseUrl: string, email: string, password: string, ip = `10.${rnd()}.${rnd()}.${rnd()}`) {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, json({ email, password }, { 'x-forwarded-for': ip }));
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { accessToken: string; refreshToken: string; tokenType: 'Bearer'; expiresIn: number };
}

const rnd = () => Math.floor(Math.random() * 250) + 1;
