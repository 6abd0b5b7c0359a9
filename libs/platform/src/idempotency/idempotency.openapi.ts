import type { OpenAPIObject } from '@nestjs/swagger';

export const IDEMPOTENCY_HEADER_DESCRIPTION = [
  'Makes the request safe to retry (IETF draft "The Idempotency-Key HTTP Header Field", Stripe semantics).',
  '1 to 255 printable ASCII characters, bare (`abc-123`) or as a structured-field string (`"abc-123"`); otherwise 400.',
  "Scope: the caller (user, or anonymous); another caller's key never replays your response.",
  'The first finished response is kept 24 h (IDEMPOTENCY_TTL_SECONDS) and replayed for the same key and the same',
  'body (key order does not matter): status, body bytes, Location, ETag, Content-Type, X-Consistency-Token, plus',
  '`Idempotent-Replayed: true`. Responses >= 500, 409, 412, 429 and request rejections (validation, bad headers)',
  'are not kept: retry with the same key. Same key with another method, path (ids included) or body: 422. Same key while the first request is',
  'still running: 409 with Retry-After.',
].join(' ');

export const IDEMPOTENCY_IGNORED_DESCRIPTION =
  'Ignored: this operation does not keep or replay responses by Idempotency-Key.';

export const IDEMPOTENCY_OUTCOME_ONLY_DESCRIPTION = [
  'Makes the request safe to retry, as on other writes, except that the response is never kept: it holds a secret shown once.',
  'A retry with the same key and body executes nothing again and answers the same status and resource rebuilt from what committed,',
  'without the secret (`Idempotent-Replayed: true`). Same key with another body: 422; while the first is running: 409 with Retry-After.',
].join(' ');

const METHODS = ['post', 'patch'] as const;

/** Adds the Idempotency-Key header parameter and its 409/422 answers to every POST and PATCH operation. */
export function documentIdempotency(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = (operation.parameters ??= []);
      const present = parameters.find(
        (p) => 'name' in p && p.in === 'header' && p.name.toLowerCase() === 'idempotency-key',
      );
      if (present && 'description' in present && present.description === IDEMPOTENCY_IGNORED_DESCRIPTION) continue;
      if (!present) {
        parameters.push({
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: IDEMPOTENCY_HEADER_DESCRIPTION,
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        });
      }
      operation.responses ??= {};
      operation.responses['409'] ??= {
        description: 'Conflict; also: a request with this Idempotency-Key is still running (Retry-After).',
      };
      operation.responses['422'] ??= {
        description: 'Validation failed; also: this Idempotency-Key was used with another method, path or body.',
      };
    }
  }
  document.info.description =
    `${document.info.description ?? ''}\n\nEvery POST and PATCH accepts an Idempotency-Key header: ${IDEMPOTENCY_HEADER_DESCRIPTION}`.trim();
  return document;
}
