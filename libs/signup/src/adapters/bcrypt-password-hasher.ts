import { randomBytes } from 'node:crypto';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import bcrypt from 'bcrypt';
import { DomainError } from '@app/shared-kernel';
import { AppConfig } from '@app/platform';
import { PASSWORD_MAX_BYTES } from '../domain/user.js';
import { PasswordHasher } from '../ports/password-hasher.js';
import { BoundedExecutor, ExecutorSaturated } from './bounded-executor.js';

/**
 * bcrypt through its async API, which runs on libuv's threadpool, so the event loop stays free.
 * At most `SIGNUP_HASH_CONCURRENCY` hashes run at once (keep it below UV_THREADPOOL_SIZE, 4 by
 * default, so file and DNS work still find a thread); `SIGNUP_QUEUE_MAX` more may wait; beyond,
 * 503 with Retry-After. Signup and login share the bound: both cost one bcrypt round.
 */
@Injectable()
export class BcryptPasswordHasher extends PasswordHasher implements OnApplicationBootstrap {
  private readonly executor: BoundedExecutor;
  private dummy?: Promise<string>;

  constructor(private readonly config: AppConfig) {
    super();
    this.executor = new BoundedExecutor(config.auth.hashConcurrency, config.auth.hashQueueMax);
  }

  onApplicationBootstrap(): void {
    // Prepared in the background so the first unknown-email login is not slower than the rest.
    void this.dummyHash().catch(() => undefined);
  }

  hash(password: string): Promise<string> {
    return this.bounded(() => bcrypt.hash(password, this.config.auth.bcryptCost));
  }

  verify(password: string, hash: string): Promise<boolean> {
    // bcrypt ignores bytes past 72: refuse them rather than accept a truncated match.
    if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) return this.verifyNothing(password);
    return this.bounded(() => bcrypt.compare(password, hash));
  }

  async verifyNothing(password: string): Promise<false> {
    const dummy = await this.dummyHash();
    await this.bounded(() => bcrypt.compare(password, dummy));
    return false;
  }

  private dummyHash(): Promise<string> {
    this.dummy ??= bcrypt.hash(randomBytes(16).toString('base64url'), this.config.auth.bcryptCost);
    return this.dummy;
  }

  private async bounded<T>(job: () => Promise<T>): Promise<T> {
    try {
      return await this.executor.run(job);
    } catch (err) {
      if (err instanceof ExecutorSaturated) {
        throw new DomainError('unavailable', 'busy', 'Too many password operations in progress; retry shortly.', { retryAfterSeconds: err.retryAfterSeconds });
      }
      throw err;
    }
  }
}
