// DNS rebinding: a web page whose name an attacker points at 127.0.0.1 can reach a server bound to
// loopback, but its requests still carry the attacker's name in Host. Such a server answers only
// requests addressed to a loopback name.

/** Whether an address or name (a listen address, or a Host header's name) is this machine's loopback. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || h === "::ffff:127.0.0.1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Whether a request's Host header names loopback, with any port. None at all is no browser's request. */
export function addressedToLoopback(hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return true;
  const m = /^(\[[^\]]*\]|[^:[\]]*)(?::\d*)?$/.exec(hostHeader.trim());
  return m !== null && isLoopback(m[1]!);
}
