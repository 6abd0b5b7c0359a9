// The two framework floors for bench/floor: `bare` is Fastify alone, `nest` is Nest on Fastify
// with one controller; both answer GET /x with a constant JSON body. PORT from the environment.
// `nest-interceptors` is `nest` with two global interceptors that pass a GET straight through, as
// the API's IdempotencyInterceptor and ConsistencyTokenInterceptor do (docs/decisions/0069).
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import Fastify from 'fastify';

const port = Number(process.env.PORT);
if (process.argv[2] === 'bare') {
  const app = Fastify({ logger: false });
  app.get('/x', async () => ({ status: 'ok' }));
  await app.listen({ port, host: '127.0.0.1' });
} else {
  class Probe {
    get() {
      return { status: 'ok' };
    }
  }
  Reflect.decorate([Get('x')], Probe.prototype, 'get', Object.getOwnPropertyDescriptor(Probe.prototype, 'get'));
  Reflect.decorate([Controller()], Probe);
  class ProbeModule {}
  Reflect.decorate([Module({ controllers: [Probe] })], ProbeModule);
  const app = await NestFactory.create(ProbeModule, new FastifyAdapter(), { logger: false });
  if (process.argv[2] === 'nest-interceptors') {
    const passThrough = () => ({ intercept: (_context, next) => next.handle() });
    app.useGlobalInterceptors(passThrough(), passThrough());
  }
  await app.listen(port, '127.0.0.1');
}
process.on('SIGTERM', () => process.exit(0));
