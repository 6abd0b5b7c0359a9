import { Injectable } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/client.js';

/** The Prisma client, on the shared pg pool through Prisma 7's driver adapter (no Rust engine). */
@Injectable()
export class PrismaService extends PrismaClient {
  constructor(readonly pool: pg.Pool) {
    super({ adapter: new PrismaPg(pool) });
  }
}
