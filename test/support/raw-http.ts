import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses the responses in what a server wrote on one connection, in order. */
export function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const body = Buffer.from(rest.slice(end + 4), 'latin1')
      .subarray(0, length)
      .toString('utf8');
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body });
    rest = Buffer.from(rest.slice(end + 4), 'latin1')
      .subarray(length)
      .toString('latin1');
  }
  return responses;
}

/**
 * Opens a connection, lets `talk` write to it, and resolves with everything the server wrote
 * once it closes the connection, or `idleMs` after its last byte, or `totalMs` after the start
 * (a server still waiting for the rest of a request). A reset rejects.
 */
export function rawExchange(
  port: number,
  talk: (socket: net.Socket) => void | Promise<void>,
  idleMs = 2_000,
  totalMs = 30_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => finish(), totalMs);
    const finish = () => {
      clearTimeout(timer);
      clearTimeout(deadline);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(finish, idleMs);
    });
    socket.on('end', finish);
    socket.on('error', (err) => {
      clearTimeout(timer);
      clearTimeout(deadline);
      reject(Object.assign(err, { received: Buffer.concat(chunks).toString('latin1') }));
    });
    socket.on('connect', () => void Promise.resolve(talk(socket)).catch(reject));
  });
}

/** Writes `data` and resolves once it is handed to the kernel (never rejects: the server may have closed). */
export function write(socket: net.Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.write(data, () => resolve());
  });
}
