// A kubeconfig cluster's CA, checked before it is used: Node's TLS silently ignores a CA that is no
// PEM certificate and then fails the handshake as if the server were wrong (SELF_SIGNED_CERT_IN_CHAIN,
// read as unreachable), where kubectl says it cannot load the root certificates.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Cluster } from "@kubernetes/client-node";
import { CredentialError } from "./target.js";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * Throws a CredentialError naming `context` and where its CA comes from unless that holds a PEM
 * certificate; as client-node, `certificate-authority` (a file) wins over `certificate-authority-data`.
 */
export function checkClusterCa(cluster: Cluster, context: string): void {
  let pem: string;
  let what: string;
  if (cluster.caFile) {
    what = `certificate-authority ${cluster.caFile} of context ${JSON.stringify(context)}`;
    try {
      pem = readFileSync(cluster.caFile, "latin1");
    } catch (e) {
      throw new CredentialError("error", `${what} cannot be read (${(e as NodeJS.ErrnoException).code ?? "unreadable"})`);
    }
  } else if (cluster.caData) {
    what = `certificate-authority-data of context ${JSON.stringify(context)}`;
    pem = Buffer.from(cluster.caData, "base64").toString("latin1");
  } else {
    return;
  }
  const certificates = pem.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) throw new CredentialError("error", `${what} is not a PEM certificate`);
  // Node's TLS drops a whole bundle with one broken certificate in it (where client-go skips that one).
  if (!certificates.every(parses)) throw new CredentialError("error", `${what} holds a certificate that cannot be parsed`);
}

function parses(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}
