import { type INestApplication, type NestInterceptor, RequestMethod, type Type } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';

const READS = new Set([RequestMethod.GET, RequestMethod.HEAD, RequestMethod.OPTIONS]);
/** A handler's own `@UseInterceptors` list, kept aside the first time so repeated calls never stack. */
const DECLARED = Symbol('app:declared-interceptors');

/**
 * Runs `interceptors` (outermost first, before the route's own) on every route of the
 * application whose method may change state: anything but GET, HEAD and OPTIONS, `@All` included.
 * Reads run no interceptor at all, so they skip Nest's observable chain (docs/decisions/0056).
 *
 * What a global interceptor would do for writes, without its cost on reads. Call it between
 * `NestFactory.create` and `init`/`listen`: Nest reads a route's interceptors when it builds the
 * router. The instances come from the application, so each application gets its own.
 */
export function interceptWrites(app: INestApplication, interceptors: Type<NestInterceptor>[]): void {
  const instances = interceptors.map((type) => app.get(type, { strict: false }));
  const scanner = new MetadataScanner();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      const prototype = (metatype as Type).prototype as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as object;
        if (!Reflect.hasMetadata(PATH_METADATA, handler)) continue;
        if (READS.has(Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod)) continue;
        if (!Reflect.hasOwnMetadata(DECLARED, handler))
          Reflect.defineMetadata(DECLARED, Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? [], handler);
        Reflect.defineMetadata(
          INTERCEPTORS_METADATA,
          [...instances, ...(Reflect.getMetadata(DECLARED, handler) as unknown[])],
          handler,
        );
      }
    }
  }
}
