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

/**
 * Who may read `/ready`'s details (paths, free bytes, error messages) besides everyone at
 * LOG_LEVEL debug or trace: nobody until a module that knows callers (the access slice: admins)
 * says how to tell from the request's Authorization header. Everyone sees check names and states.
 */
@Injectable()
export class ReadinessDetailsAccess {
  private rule: (authorization: string) => boolean = () => false;

  allowWhen(rule: (authorization: string) => boolean): void {
    this.rule = rule;
  }

  allows(authorization: string | undefined): boolean {
    if (!authorization) return false;
    try {
      return this.rule(authorization);
    } catch {
      return false;
    }
  }
}
