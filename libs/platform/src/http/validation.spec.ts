import { Controller, Get, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsString } from 'class-validator';
import { pino } from 'pino';
import { Lifecycle } from '../lifecycle/lifecycle';
import { REQUEST_LOGGER } from '../logging/logging.module';
import { Metrics } from '../metrics/metrics';
import { configureHttp } from './configure-http';
import { createValidationPipe, ValidBody, ValidQuery } from './validation';

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

describe('validated bodies and queries', () => {
  it('the pipe rejects unknown and invalid fields with a 422 problem listing them', async () => {
    const pipe = createValidationPipe();
    const metadata = { type: 'body' as const, metatype: NameRequest };
    await expect(pipe.transform({ name: 'ok' }, metadata)).resolves.toBeInstanceOf(NameRequest);
    await expect(pipe.transform({ name: 3, extra: true }, metadata)).rejects.toMatchObject({
      status: 422,
      extra: {
        errors: expect.arrayContaining([
          expect.objectContaining({ field: 'name' }),
          expect.objectContaining({ field: 'extra' }),
        ]),
      },
    });
  });

  it("a validated body is checked through Nest's real pipeline: an unknown field is a 422", async () => {
    @Module({
      controllers: [Checked],
      providers: [Metrics, Lifecycle, { provide: REQUEST_LOGGER, useValue: pino({ level: 'silent' }) }],
    })
    class App {}
    const app = await NestFactory.create<NestFastifyApplication>(App, new FastifyAdapter(), {
      logger: false,
      bodyParser: false,
    });
    try {
      configureHttp(app, { openApi: false });
      await app.init();
      expect(
        (await app.inject({ method: 'POST', url: '/api/v1/checked', payload: { name: 'ok', extra: 1 } })).statusCode,
      ).toBe(422);
      expect((await app.inject({ method: 'POST', url: '/api/v1/checked', payload: { name: 'ok' } })).statusCode).toBe(
        201,
      );
    } finally {
      await app.close();
    }
  });
});
