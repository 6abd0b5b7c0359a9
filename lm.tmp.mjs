import { pino } from 'pino';
const minLength = Number(process.env.MIN);
const sync = process.env.SYNC === '1';
const dest = process.env.NOOP ? { write() {} } : pino.destination({ dest: process.env.DEST || '/dev/null', sync, minLength, maxWrite: Number(process.env.MAXW || 16384) });
const log = pino({ level: 'info' }, dest);
const N = 300_000;
const line = (i) => log.info({ requestId: 'req-' + i, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', req: { method: 'GET', url: '/api/v1/tasks/0b7e1f3c-9a4e-4a39-8d55-2f8a3f5d1a77' }, res: { statusCode: 200 }, responseTime: 1 }, 'request completed');
for (let i = 0; i < 50_000; i++) { line(i); if (i % 1000 === 0) await new Promise((r) => setImmediate(r)); }
const c0 = process.cpuUsage();
for (let i = 0; i < N; i++) { line(i); if (i % 100 === 0) await new Promise((r) => setImmediate(r)); }
await new Promise((r) => setTimeout(r, 200));
const c = process.cpuUsage(c0);
console.log(process.env.NOOP ? 'noop' : `sync ${sync} min ${minLength} maxWrite ${process.env.MAXW || 16384}`, 'cpu µs/line', ((c.user + c.system) / N).toFixed(2));
process.exit(0);
