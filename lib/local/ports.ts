/** Port helpers for the local stack: is a port free, find a free one, and read one from a command line. */
import net from 'node:net';
import { wholeNumber } from '../cli-options';

/** Resolves true when nothing listens on the port (on any local address). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the operating system reports free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A `--port` option's value (commander argument parser). */
export const parsePort = wholeNumber(1, 65535, 'must be a port number (1-65535)');
