import { Body, Controller, Get, Module, Param, Post, Query, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsString } from 'class-validator';
import { pino } from 'pino';
import { Lifecycle } from '../lifecycle/lifecycle';
import { REQUEST_LOGGER } from '../logging/logging.module';
import { Metrics } from '../metrics/metrics';
import { configureHttp } from './configure-http';
import { createValidationPipe, unvalidatedInputs, ValidBody, ValidQuery } from './validation';

class NameRequest {
  @IsString()
  name!: string;
}

@Controller('checked')
class Checked {
  @Post()
  create(@ValidBody() body: NameRequest) {
    return body;
  }

  @Get()
  list(@ValidQuery() query: NameRequest, @ValidQuery('extra') extra: string) {
    return { query, extra };
  }

  @Get(':id')
  one(@Param('id') id: string) {
    return id;
  }
}

@Controller('unchecked')
class Unchecked {
  @Post()
  create(@Body() body: NameRequest) {
    return body;
  }

  @Get()
  list(@Query('q') q: string) {
    return q;
  }
}

@Controller('inherits')
class Inherits extends Unchecked {}

describe('validated bodies and queries', () => {
  it('names every body or query parameter bound without ValidBody/ValidQuery, and only those, inherited routes included', () => {
    expect(unvalidatedInputs([Checked, Unchecked, Inherits])).toEqual(['Unchecked.create', 'Unchecked.list', 'Inherits.create', 'Inherits.list']);
  });

  it('the pipe rejects unknown and invalid fields with a 422 problem listing them', async () => {
    const pipe = createValidationPipe();
    const metadata = { type: 'body' as const, metatype: NameRequest };
    await expect(pipe.transform({ name: 'ok' }, metadata)).resolves.toBeInstanceOf(NameRequest);
    await expect(pipe.transform({ name: 3, extra: true }, metadata)).rejects.toMatchObject({
      status: 422,
      extra: { errors: expect.arrayContaining([expect.objectContaining({ field: 'name' }), expect.objectContaining({ field: 'extra' })]) },
    });
  });

  it('configureHttp refuses to start an app with an unvalidated body or query, and starts one without', async () => {
    const configured = async (controller: Type) => {
      @Module({ controllers: [controller], providers: [Metrics, Lifecycle, { provide: REQUEST_LOGGER, useValue: pino({ level: 'silent' }) }] })
      class App {}
      const app = await NestFactory.create<NestFastifyApplication>(App, new FastifyAdapter(), { logger: false, bodyParser: false });
      try {
        await configureHttp(app, { openApi: false });
        await app.init();
        return (await app.inject({ method: 'POST', url: '/api/v1/checked', payload: { name: 'ok', extra: 1 } })).statusCode;
      } finally {
        await app.close();
      }
    };
    await expect(configured(Unchecked)).rejects.toThrow(/ValidBody\(\)\/ValidQuery\(\).*Unchecked\.create, Unchecked\.list/);
    expect(await configured(Checked)).toBe(422);
  });
});
