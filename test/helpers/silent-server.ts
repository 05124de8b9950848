// A TCP endpoint that takes connections and requests and never answers: a hung storage or ARM front end.
import { type AddressInfo, createServer, type Socket } from "node:net";

export async function withSilentServer<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const sockets = new Set<Socket>();
  const silent = createServer((s) => void sockets.add(s));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  try {
    return await fn((silent.address() as AddressInfo).port);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  }
}
