import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig, ProblemException } from '@app/platform';
import { CONSISTENCY_HEADER, parseToken } from './consistency-token.js';
import { ProjectionWaiter } from './projection-waiter.js';

const PROJECTIONS = 'app:consistent-read';
export const STALE_HEADER = 'x-consistency-stale';

/**
 * Waits, bounded by CONSISTENCY_WAIT_MS, until the given projections have reached the
 * `X-Consistency-Token` the request carries. A malformed token is a 400 problem; on timeout the
 * (possibly stale) data is served with `X-Consistency-Stale: true` (docs/decisions/0014).
 *
 * A guard rather than an interceptor: all of its work comes before the handler, and a read route
 * with no interceptor skips Nest's observable chain (docs/decisions/0056). It never refuses a
 * request; it only delays it. It runs after the class's guards, so an unauthenticated read is a
 * 401 without waiting.
 */
@Injectable()
export class ConsistentReadGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly waiter: ProjectionWaiter,
    private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers[CONSISTENCY_HEADER];
    // Without a token there is nothing to wait for (and no promise to make).
    if (header === undefined) return true;
    return this.wait(context, header);
  }

  private async wait(context: ExecutionContext, header: string | string[]): Promise<boolean> {
    const projections =
      this.reflector.getAllAndOverride<string[]>(PROJECTIONS, [context.getHandler(), context.getClass()]) ?? [];
    if (projections.length > 0) {
      const point = typeof header === 'string' ? parseToken(header) : undefined;
      if (!point)
        throw new ProblemException(
          400,
          'invalid-consistency-token',
          'X-Consistency-Token must be a token returned by this API in the X-Consistency-Token header.',
        );
      const reached = await this.waiter.waitFor(point, projections, this.config.events.consistencyWaitMs);
      if (!reached) context.switchToHttp().getResponse<FastifyReply>().header(STALE_HEADER, 'true');
    }
    return true;
  }
}

/** The route reads these projections: it honours the caller's `X-Consistency-Token`. */
export const ConsistentRead = (...projections: string[]) =>
  applyDecorators(SetMetadata(PROJECTIONS, projections), UseGuards(ConsistentReadGuard));
