import { fileURLToPath } from 'node:url';

/** Beside the compiled app: dist/embedded-seed/, a migrated PGlite data folder written by the build. */
export const EMBEDDED_SEED = fileURLToPath(new URL('../../../embedded-seed', import.meta.url));
