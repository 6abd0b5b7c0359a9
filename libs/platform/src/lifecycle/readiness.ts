import { Injectable } from '@nestjs/common';

/**
 * A readiness check: resolves when fine (optionally with a detail string), throws when not.
 * Keep it cheap and bounded in time: probes call /ready every few seconds.
 */
export type ReadinessProbe = () => Promise<string | void>;

/**
 * Extra readiness checks that modules add (the events engine, a cache...), shown by name in the
 * `/ready` body next to the built-in ones. Register in a constructor or `onModuleInit`:
 * `readiness.register('consumers', async () => { if (stalled) throw new Error('...'); })`.
 */
@Injectable()
export class ReadinessChecks {
  private readonly probes = new Map<string, ReadinessProbe>();

  register(name: string, probe: ReadinessProbe): void {
    this.probes.set(name, probe);
  }

  entries(): [string, ReadinessProbe][] {
    return [...this.probes];
  }
}
