// Starts one HTTPS fake API server per simulated cluster and writes kubeconfigs for them.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { createCa, type CertKeyPair, type SimCa } from "./certs.js";
import { generateCluster } from "./generate.js";
import { SubnetPools } from "./ipv4.js";
import { PageCache, SimCluster } from "./server.js";
import type { SimClusterSpec } from "./types.js";

export interface SimulatorOptions {
  /** Reference time for clusters without createdAt (their creation is ~30-50 days before it). Default now. */
  epoch?: Date | number;
  /** Byte budget of the list-page cache shared by all clusters. Default 64 MiB. */
  pageCacheBytes?: number;
  /** Request-log entries kept per cluster. Default 10,000. */
  requestLogLimit?: number;
  /** The CA that signs the servers' certificates (the simulated Azure shares it); default a new one. */
  ca?: SimCa;
}

export interface KubeconfigOptions {
  /** Bearer token per cluster (default) or one client certificate signed by the sim CA. */
  auth?: "token" | "cert";
  /** Only these clusters (default all), in this order. */
  clusters?: string[];
  /** Default: the first cluster. */
  currentContext?: string;
}

export class Simulator {
  private readonly byName: Map<string, SimCluster>;

  constructor(
    readonly clusters: readonly SimCluster[],
    /** PEM of the CA that signed the server (and client) certificates. */
    readonly caPem: string,
    private readonly clientCert: CertKeyPair,
  ) {
    this.byName = new Map(clusters.map((c) => [c.name, c]));
  }

  cluster(name: string): SimCluster {
    const c = this.byName.get(name);
    if (!c) throw new Error(`no simulated cluster named ${JSON.stringify(name)}`);
    return c;
  }

  /** A client certificate/key (PEM) that every cluster accepts instead of its token. */
  clientCertificate(): CertKeyPair {
    return { ...this.clientCert };
  }

  /** Kubeconfig YAML: one context per cluster, named exactly like the cluster. */
  kubeconfig(opts: KubeconfigOptions = {}): string {
    const list = opts.clusters ? opts.clusters.map((n) => this.cluster(n)) : [...this.clusters];
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    const user = (c: SimCluster): string => `clusterUser_${c.name}`;
    const cert = opts.auth === "cert" ? this.clientCert : undefined;
    const doc = {
      apiVersion: "v1",
      kind: "Config",
      preferences: {},
      clusters: list.map((c) => ({ name: c.name, cluster: { server: c.url, "certificate-authority-data": b64(this.caPem) } })),
      contexts: list.map((c) => ({ name: c.name, context: { cluster: c.name, user: user(c) } })),
      users: list.map((c) => ({
        name: user(c),
        user: cert ? { "client-certificate-data": b64(cert.certPem), "client-key-data": b64(cert.keyPem) } : { token: c.token },
      })),
      "current-context": opts.currentContext ?? list[0]?.name ?? "",
    };
    // lineWidth 0: never fold the long base64 scalars.
    return stringify(doc, { lineWidth: 0 });
  }

  /** Writes `dir/kubeconfig` (mode 0600) and returns its path. */
  async writeKubeconfig(dir: string, opts: KubeconfigOptions = {}): Promise<string> {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, "kubeconfig");
    await writeFile(file, this.kubeconfig(opts), { mode: 0o600 });
    await chmod(file, 0o600);
    return file;
  }

  /** Stops every server, dropping open (and hung) connections. */
  async close(): Promise<void> {
    await Promise.all(this.clusters.map((c) => c.close()));
  }
}

/** Generates every cluster's objects and starts its API server on 127.0.0.1 (random port). */
export async function startSimulator(specs: readonly SimClusterSpec[], opts: SimulatorOptions = {}): Promise<Simulator> {
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw new Error(`duplicate cluster name ${JSON.stringify(s.name)}`);
    names.add(s.name);
  }
  const epoch = opts.epoch === undefined ? Date.now() : new Date(opts.epoch).getTime();
  const pools = new SubnetPools();
  const states = specs.map((s) => generateCluster(s, { pools, epoch }));
  const ca = opts.ca ?? createCa();
  const serverCert = ca.issue({ commonName: "kube-apiserver", dnsNames: ["localhost", "kubernetes", "kubernetes.default"], ipAddresses: ["127.0.0.1"], usage: "server" });
  const clientCert = ca.issue({ commonName: "fleet-audit", organization: "system:masters", usage: "client" });
  const cache = new PageCache(opts.pageCacheBytes ?? 64 * 1024 * 1024);
  const tls = { certPem: serverCert.certPem, keyPem: serverCert.keyPem, caPem: ca.certPem };
  const clusters = states.map((st, i) => new SimCluster(st, randomBytes(24).toString("base64url"), tls, cache, String(i), opts.requestLogLimit));
  try {
    await Promise.all(clusters.map((c) => c.start()));
  } catch (e) {
    await Promise.all(clusters.map((c) => c.close()));
    throw e;
  }
  return new Simulator(clusters, ca.certPem, clientCert);
}
