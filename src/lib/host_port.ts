/** A host and a port, and their one textual form: `host:port`, with an IPv6 host in brackets. */
export interface HostPort {
  host: string;
  port: number;
}

export function formatHostPort(address: HostPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
