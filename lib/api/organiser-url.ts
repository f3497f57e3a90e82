/**
 * The organiser's web address as participants' machines reach it (docs/room.md): PUBLIC_URL when set,
 * else (in join commands) this machine's first network address on the scoreboard's port, else the
 * address the request came to.
 */
import os from 'node:os';
import { isHttps } from './client';

/** This machine's IPv4 addresses on its networks (loopback left out). */
export function lanAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((address) => address && address.family === 'IPv4' && !address.internal)
    .map((address) => address!.address);
}

/** PUBLIC_URL, else the address the request came to (what an agent that reached us can use again). */
export function requestOrigin(request: Request, publicUrl: string | undefined, port: number): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const host = request.headers.get('host') ?? `localhost:${port}`;
  return `${isHttps(request) ? 'https' : 'http'}://${host}`;
}

/** The organiser URL of join commands: PUBLIC_URL, else this machine's network address, else the request's. */
export function joinUrl(request: Request, publicUrl: string | undefined, port: number): string {
  const [lan] = publicUrl ? [] : lanAddresses();
  return lan ? `http://${lan}:${port}` : requestOrigin(request, publicUrl, port);
}
