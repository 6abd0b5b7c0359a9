import { ApiProperty, ApiPropertyOptional, getSchemaPath, type OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

export class ProblemFieldErrorResponse {
  @ApiProperty({ example: 'title' }) field!: string;
  @ApiProperty({ example: 'title must be longer than or equal to 1 characters' }) message!: string;
}

/** The RFC 9457 body of every error answer, as the OpenAPI document describes it. */
export class ProblemResponse {
  @ApiProperty({
    description:
      'The problem type: a relative URI reference `/problems/<code>`. An identifier to compare as a string, not a locator: no page is served at it (RFC 9457 allows non-resolvable type URIs).',
    example: '/problems/validation-failed',
  })
  type!: string;

  @ApiProperty({ description: "The HTTP status's reason phrase.", example: 'Unprocessable Content' }) title!: string;
  @ApiProperty({ example: 422 }) status!: number;
  @ApiPropertyOptional({ description: 'What went wrong in this occurrence, for a human.' }) detail?: string;
  @ApiPropertyOptional({ description: 'The request path.', example: '/api/v1/tasks' }) instance?: string;
  @ApiPropertyOptional({ description: 'The X-Request-Id of this request (also in the logs).' }) requestId?: string;
  @ApiPropertyOptional({ description: 'The stable code the type is made of.', example: 'validation-failed' })
  code?: string;
  @ApiPropertyOptional({ description: 'Validation: one entry per invalid field.', type: [ProblemFieldErrorResponse] })
  errors?: ProblemFieldErrorResponse[];
}

/** What every operation can answer, whatever its route: set with DocumentBuilder.addGlobalResponse. */
export const GLOBAL_PROBLEMS = [
  { status: 400, description: 'A malformed header (X-Request-Id, X-Consistency-Token, ...) or request.' },
  { status: 503, description: 'Not ready (starting or shutting down) or a dependency is down; see Retry-After.' },
];

/** Statuses every operation with a JSON body can answer. */
const BODY_PROBLEMS: Record<string, string> = {
  '400': 'Malformed JSON, or JSON nested too deep.',
  '413': 'The body is larger than BODY_LIMIT_BYTES.',
  '415': 'The body is not application/json.',
  '422': 'Validation failed: errors[] names each field.',
};
const QUERY_PROBLEMS: Record<string, string> = { '422': 'Invalid query parameters: errors[] names each one.' };

const header = (description: string) => ({ description, schema: { type: 'string' as const } });

/**
 * Completes the error answers of the document: every 4xx and 5xx response gets the problem+json
 * schema (the slices' decorators give statuses and descriptions), operations with a body or a query
 * get the statuses their validation answers, and 429/503 their Retry-After.
 */
export function documentProblems(document: OpenAPIObject): OpenAPIObject {
  const content = { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemResponse) } } };
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.patch]) {
      if (!operation) continue;
      const responses = (operation.responses ??= {});
      const add = (extra: Record<string, string>) => {
        for (const [status, description] of Object.entries(extra)) responses[status] ??= { description };
      };
      if (operation.requestBody) add(BODY_PROBLEMS);
      if (operation.parameters?.some((p) => 'in' in p && p.in === 'query')) add(QUERY_PROBLEMS);
      for (const [status, response] of Object.entries(responses)) {
        if (!response || !/^[45]\d\d$/.test(status) || '$ref' in response) continue;
        response.content = content;
        if (status === '429' || status === '503')
          response.headers = {
            'Retry-After': header('Seconds to wait before retrying, when known.'),
            ...response.headers,
          };
      }
    }
  }
  return document;
}
