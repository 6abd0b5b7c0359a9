/** Flushes and stops the SDK started by register.ts, if any (graceful shutdown calls it last). */
export async function flushTracing(): Promise<void> {
  const sdk = (globalThis as { __otelSdk?: { shutdown(): Promise<void> } }).__otelSdk;
  await sdk?.shutdown().catch(() => undefined);
}
