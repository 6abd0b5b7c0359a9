import {
  type CallHandler,
  Controller,
  Delete,
  type ExecutionContext,
  Get,
  Injectable,
  Module,
  type NestInterceptor,
  Patch,
  Post,
  Put,
  UseInterceptors,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Observable } from 'rxjs';
import { interceptWrites } from './write-routes';

/** The interceptors that ran for the last request, in order, each with its instance number. */
const ran: string[] = [];
let instances = 0;

abstract class Recording implements NestInterceptor {
  private readonly id = ++instances;
  protected abstract readonly label: string;
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    ran.push(`${this.label}#${this.id}`);
    return next.handle();
  }
}
@Injectable()
class Outer extends Recording {
  protected readonly label = 'outer';
}
@Injectable()
class Inner extends Recording {
  protected readonly label = 'inner';
}
@Injectable()
class Own extends Recording {
  protected readonly label = 'own';
}

@Controller('probe')
class ProbeController {
  @Get() read() {
    return { ok: true };
  }
  @Post() create() {
    return { ok: true };
  }
  @Patch() @UseInterceptors(Own) patch() {
    return { ok: true };
  }
  @Put() replace() {
    return { ok: true };
  }
  @Delete() remove() {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController], providers: [Outer, Inner, Own] })
class ProbeModule {}

async function start(): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), { logger: false });
  interceptWrites(app, [Outer, Inner]);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

async function interceptorsFor(
  app: NestFastifyApplication,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
): Promise<string[]> {
  ran.length = 0;
  const response = await app.inject({ method, url: '/probe' });
  expect(response.statusCode).toBeLessThan(300);
  return ran.map((r) => r.replace(/#\d+$/, ''));
}

describe('interceptWrites', () => {
  it("runs the interceptors, outermost first and before the route's own, on every write route, and none on reads", async () => {
    const app = await start();
    try {
      expect(await interceptorsFor(app, 'GET')).toEqual([]);
      expect(await interceptorsFor(app, 'POST')).toEqual(['outer', 'inner']);
      expect(await interceptorsFor(app, 'PATCH')).toEqual(['outer', 'inner', 'own']);
      expect(await interceptorsFor(app, 'PUT')).toEqual(['outer', 'inner']);
      expect(await interceptorsFor(app, 'DELETE')).toEqual(['outer', 'inner']);
    } finally {
      await app.close();
    }
  });

  it("gives a second application its own instances instead of stacking them on the first one's", async () => {
    const first = await start();
    await first.close();
    const second = await start();
    try {
      ran.length = 0;
      await second.inject({ method: 'PATCH', url: '/probe' });
      const outer = second.get<Outer, { id: number }>(Outer);
      const own = second.get<Own, { id: number }>(Own);
      expect(ran).toEqual([
        `outer#${outer.id}`,
        `inner#${second.get<Inner, { id: number }>(Inner).id}`,
        `own#${own.id}`,
      ]);
    } finally {
      await second.close();
    }
  });
});
