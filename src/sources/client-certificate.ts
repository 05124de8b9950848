// A kubeconfig user's client certificate and key, checked before they are used: Node's TLS refuses one
// that cannot be parsed with an OpenSSL code (`DECODER routines::unsupported`) naming neither the context
// nor the field, where kubectl says which ("tls: failed to find any PEM data in key input").
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import type { User } from "@kubernetes/client-node";
import { pemFieldLabel, readPemField } from "./pem-field.js";
import { CredentialError } from "./target.js";

/**
 * Throws a CredentialError naming `context` and the field when the user's client-certificate(-data) or
 * client-key(-data) cannot be read or parsed, or the key is not the certificate's. Never quotes them.
 */
export function checkClientCertificate(user: User, context: string): void {
  const certLabel = pemFieldLabel("client-certificate", user.certFile, context);
  const keyLabel = pemFieldLabel("client-key", user.keyFile, context);
  const certPem = readPemField(user.certFile, user.certData, certLabel);
  const keyPem = readPemField(user.keyFile, user.keyData, keyLabel);
  const cert = certPem === undefined ? undefined : parsed(certLabel, "a PEM certificate", () => (/-----BEGIN CERTIFICATE-----/.test(certPem) ? new X509Certificate(certPem) : undefined));
  const key = keyPem === undefined ? undefined : parsed(keyLabel, "a PEM private key", () => createPrivateKey({ key: keyPem, format: "pem" }));
  if (cert && key && !cert.checkPrivateKey(key)) throw new CredentialError("error", `${keyLabel} is not the private key of its client certificate`);
}

function parsed<T extends X509Certificate | KeyObject>(label: string, what: string, parse: () => T | undefined): T {
  let value: T | undefined;
  try {
    value = parse();
  } catch {
    // The parser's message says nothing more that helps, and may one day quote what it read.
  }
  if (!value) throw new CredentialError("error", `${label} is not ${what} that can be parsed`);
  return value;
}
