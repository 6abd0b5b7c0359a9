import { fileURLToPath } from 'node:url';

/** Beside the compiled app: dist/embedded-seed.tar.gz (written by the build). */
export const EMBEDDED_SEED = fileURLToPath(new URL('../../../embedded-seed.tar.gz', import.meta.url));
