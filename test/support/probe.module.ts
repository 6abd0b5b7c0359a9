import { Controller, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsInt, IsString, Length, Min } from 'class-validator';
import pg from 'pg';
import { ValidBody } from '../../libs/platform/src/http/validation';
import { Idempotent } from '../../libs/platform/src/idempotency/idempotent.decorator';

export class ProbeRequest {
  @IsString()
  @Length(1, 20)
  name!: string;

  @IsInt()
  @Min(0)
  count!: number;
}

/**
 * A route that only the platform tests mount: validates a JSON body and writes one row, so the
 * tests can show that rejected input writes nothing and that database failures become 503s.
 */
@ApiExcludeController()
@Controller('probe')
export class ProbeController {
  constructor(@Inject(pg.Pool) private readonly pool: pg.Pool) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  async create(@ValidBody() body: ProbeRequest): Promise<{ name: string; count: number }> {
    await this.pool.query('CREATE TABLE IF NOT EXISTS probe_writes (name text, count int)');
    await this.pool.query('INSERT INTO probe_writes VALUES ($1, $2)', [body.name, body.count]);
    return { name: body.name, count: body.count };
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
