import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CanActivate,
  Controller,
  type ExecutionContext,
  HttpCode,
  Inject,
  Injectable,
  Module,
  type OnModuleInit,
  Param,
  Patch,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { IsBoolean, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import pg from 'pg';
import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventsModule, EventStore } from '../../libs/events/src/index';
import { requestContext } from '../../libs/platform/src/context/request-context';
import { ValidBody } from '../../libs/platform/src/http/validation';
import { TransactionRunner } from '../../libs/platform/src/transactions/transaction-runner';
import {
  IdempotencyExempt,
  RequiresIdempotencyKey,
} from '../../libs/platform/src/idempotency/requires-idempotency-key.decorator';
import { DomainError, UnitOfWork } from '../../libs/shared-kernel/src/index';
import { Idempotent } from '../../libs/platform/src/idempotency/idempotent.decorator';

export class IdemProbeRequest {
  @IsString()
  @Length(1, 50)
  title!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(5_000)
  delayMs?: number;

  /** Fail with a 500 this many times for this title (counted per process), then succeed. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  failTimes?: number;

  /** Reject with a domain error (422), like a forbidden state transition. */
  @IsOptional()
  @IsBoolean()
  reject?: boolean;
}

/** Counts executions of the command (not requests), so tests can prove "exactly one". */
export const idemProbe = { executions: 0, failures: new Map<string, number>() };

/** `x-test-actor` names the caller, as authentication will: the interceptor scopes keys by it. */
@Injectable()
class TestActorGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const actor = context.switchToHttp().getRequest<FastifyRequest>().headers['x-test-actor'];
    if (typeof actor === 'string') requestContext.setActor(actor);
    return true;
  }
}

type ProbeResult = { id: string; position: bigint; createdAt: Date };

export class ProbeCommand extends Command<ProbeResult> {
  constructor(readonly body: IdemProbeRequest) {
    super();
  }
}

/** Checks before its unit of work (failures, rejections), then writes a row and an event in it and returns its result. */
@CommandHandler(ProbeCommand)
export class ProbeHandler implements ICommandHandler<ProbeCommand> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly events: EventStore,
    private readonly transactions: TransactionRunner,
  ) {}

  execute({ body }: ProbeCommand): Promise<ProbeResult> {
    const failed = idemProbe.failures.get(body.title) ?? 0;
    if (body.failTimes && failed < body.failTimes) {
      idemProbe.failures.set(body.title, failed + 1);
      throw new Error('probe failure');
    }
    if (body.reject) throw new DomainError('invalid', 'probe-rejected', 'The probe rejects this request.');
    return this.uow.run(async () => {
      idemProbe.executions += 1;
      const id = randomUUID();
      const createdAt = new Date();
      if (body.delayMs) await sleep(body.delayMs);
      await sql`INSERT INTO idem_probe_rows (id, title) VALUES (${id}::uuid, ${body.title})`.execute(
        this.transactions.db,
      );
      const [event] = await this.events.append([
        {
          type: 'probe.created',
          aggregateType: 'probe',
          aggregateId: id,
          aggregateVersion: 1,
          payload: { title: body.title },
        },
      ]);
      return { id, position: event.position, createdAt };
    });
  }
}

/**
 * A command route shaped like POST /tasks, mounted only by the idempotency tests: its command
 * writes a row and appends an event in one unit of work, and the route answers 201 with
 * Location, ETag and X-Consistency-Token; the body carries a server-generated id and timestamp,
 * so a second execution could never be mistaken for a replay.
 */
@Controller('idem-probe')
@UseGuards(TestActorGuard)
export class IdemProbeController {
  constructor(private readonly commands: CommandBus) {}

  private command(body: IdemProbeRequest): Promise<ProbeResult> {
    return this.commands.execute(new ProbeCommand(body));
  }

  @Post()
  @Idempotent()
  @HttpCode(201)
  async create(@ValidBody() body: IdemProbeRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const result = await this.command(body);
    reply.header('location', `/api/v1/idem-probe/${result.id}`).header('etag', `W/"1"`);
    return { id: result.id, title: body.title, version: 1, createdAt: result.createdAt.toISOString() };
  }

  @Post('required')
  @Idempotent()
  @HttpCode(201)
  @RequiresIdempotencyKey()
  async required(
    @ValidBody() body: IdemProbeRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.create(body, reply);
  }

  @Post('exempt')
  @Idempotent()
  @HttpCode(201)
  @IdempotencyExempt()
  async exempt(@ValidBody() body: IdemProbeRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    return this.create(body, reply);
  }

  @Patch(':id')
  @Idempotent()
  async update(@Param('id') id: string, @ValidBody() body: IdemProbeRequest): Promise<unknown> {
    const result = await this.command(body);
    return { id, title: body.title, position: String(result.position) };
  }
}

@Module({ imports: [EventsModule], controllers: [IdemProbeController], providers: [ProbeHandler] })
export class IdemProbeModule implements OnModuleInit {
  constructor(@Inject(pg.Pool) private readonly pool: pg.Pool) {}

  async onModuleInit(): Promise<void> {
    await this.pool.query('CREATE TABLE IF NOT EXISTS idem_probe_rows (id uuid PRIMARY KEY, title text NOT NULL)');
  }
}
