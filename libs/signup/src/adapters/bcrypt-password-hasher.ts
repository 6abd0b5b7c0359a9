import { randomBytes } from 'node:crypto';
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DomainError } from '@app/shared-kernel';
import { AppConfig } from '@app/platform';
import { PASSWORD_MAX_BYTES } from '../domain/user.js';
import { PasswordHasher } from '../ports/password-hasher.js';
import { BcryptWorkerPool } from './bcrypt-worker-pool.js';
import { BoundedExecutor, ExecutorSaturated } from './bounded-executor.js';

/**
 * bcrypt off the event loop, on `SIGNUP_HASH_CONCURRENCY` worker threads that run at a lower
 * CPU priority than the event loop (docs/decisions/0021), so a signup storm cannot starve reads.
 * At most that many hashes run at once; `SIGNUP_QUEUE_MAX` more may wait; beyond, 503 with
 * Retry-After. Signup and login share the bound: both cost one bcrypt round.
 */
@Injectable()
export class BcryptPasswordHasher extends PasswordHasher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly executor: BoundedExecutor;
  private readonly pool: BcryptWorkerPool;
  private dummy?: Promise<string>;

  constructor(private readonly config: AppConfig) {
    super();
    this.executor = new BoundedExecutor(config.auth.hashConcurrency, config.auth.hashQueueMax);
    this.pool = new BcryptWorkerPool(config.auth.hashConcurrency, config.auth.hashNice);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }

  onApplicationBootstrap(): void {
    // Prepared in the background so the first unknown-email login is not slower than the rest.
    void this.dummyHash().catch(() => undefined);
  }

  hash(password: string): Promise<string> {
    return this.bounded(() => this.pool.hash(password, this.config.auth.bcryptCost));
  }

  verify(password: string, hash: string): Promise<boolean> {
    // bcrypt ignores bytes past 72: refuse them rather than accept a truncated match.
    if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) return this.verifyNothing(password);
    return this.bounded(() => this.pool.compare(password, hash));
  }

  async verifyNothing(password: string): Promise<false> {
    const dummy = await this.dummyHash();
    await this.bounded(() => this.pool.compare(password, dummy));
    return false;
  }

  private dummyHash(): Promise<string> {
    this.dummy ??= this.pool.hash(randomBytes(16).toString('base64url'), this.config.auth.bcryptCost);
    return this.dummy;
  }

  private async bounded<T>(job: () => Promise<T>): Promise<T> {
    try {
      return await this.executor.run(job);
    } catch (err) {
      if (err instanceof ExecutorSaturated) {
        throw new DomainError('unavailable', 'busy', 'Too many password operations in progress; retry shortly.', {
          retryAfterSeconds: err.retryAfterSeconds,
        });
      }
      throw err;
    }
  }
}
