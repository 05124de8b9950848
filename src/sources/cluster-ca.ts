// A kubeconfig cluster's CA, checked before it is used: Node's TLS silently ignores a CA that is no
// PEM certificate and then fails the handshake as if the server were wrong (SELF_SIGNED_CERT_IN_CHAIN,
// read as unreachable), where kubectl says it cannot load the root certificates. And it drops a whole
// bundle with one broken certificate in it, where client-go (AppendCertsFromPEM) skips that one.
import { X509Certificate } from "node:crypto";
import type { Cluster } from "@kubernetes/client-node";
import { pemFieldLabel, readPemField } from "./pem-field.js";
import { CredentialError } from "./target.js";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** What checking a cluster's CA left to say in its snapshot, by the cluster checkClusterCa returned. */
const caNotes = new WeakMap<Cluster, string>();

/**
 * `cluster` with the certificates of its CA that parse, as client-go keeps them; throws a CredentialError
 * naming `context` and where its CA comes from unless one does, or when the cluster also sets
 * insecure-skip-tls-verify. As client-node, `certificate-authority` (a file) wins over `certificate-authority-data`.
 */
export function checkClusterCa(cluster: Cluster, context: string): Cluster {
  if (!cluster.caFile && !cluster.caData) return cluster;
  const what = pemFieldLabel("certificate-authority", cluster.caFile, context);
  // client-go refuses the pair before it reads the CA: a CA that would not be checked is a mistake.
  if (cluster.skipTLSVerify) {
    throw new CredentialError("error", `${what} is set beside insecure-skip-tls-verify, which kubectl refuses ("specifying a root certificates file with the insecure flag is not allowed"): keep one`);
  }
  const pem = readPemField(cluster.caFile, cluster.caData, what)!;
  const certificates = pem.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) throw new CredentialError("error", `${what} is not a PEM certificate`);
  const usable = certificates.filter(parses);
  if (usable.length === 0) throw new CredentialError("error", `${what} holds no certificate that can be parsed (${certificates.length} found)`);
  if (usable.length === certificates.length) return cluster;
  const checked = { ...cluster, caFile: undefined, caData: Buffer.from(usable.join("\n"), "latin1").toString("base64") };
  // Skipped as kubectl skips them, but said: the one that cannot be parsed may be the one the server needs.
  const skipped = certificates.length - usable.length;
  caNotes.set(checked, `${what}: ${skipped} of its ${certificates.length} certificates cannot be parsed and ${skipped === 1 ? "was" : "were"} skipped, as kubectl skips them`);
  return checked;
}

/** The note a cluster's CA check left (certificates it skipped), if any. */
export function clusterCaNote(cluster: Cluster | null | undefined): string | undefined {
  return cluster ? caNotes.get(cluster) : undefined;
}

function parses(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}
