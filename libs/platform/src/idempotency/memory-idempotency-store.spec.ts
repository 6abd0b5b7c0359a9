import { idempotencyStoreContract } from '../../../../test/support/idempotency-store-contract';
import { MemoryIdempotencyStore } from './memory-idempotency-store';

const store = new MemoryIdempotencyStore();
afterAll(() => store.close());
idempotencyStoreContract('in-process', () => store);
