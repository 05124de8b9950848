// A kubeconfig field that holds PEM, as a file (`certificate-authority`, `client-key`) or inline base64
// (`certificate-authority-data`, `client-key-data`): the file wins, as in client-node.
import { readFileSync } from "node:fs";
import { CredentialError } from "./target.js";

/** How a reason names the field, never its content: `client-key /path of context "c"`, `client-key-data of context "c"`. */
export function pemFieldLabel(field: string, file: string | undefined, context: string): string {
  return file ? `${field} ${file} of context ${JSON.stringify(context)}` : `${field}-data of context ${JSON.stringify(context)}`;
}

/**
 * The field's text (latin1: PEM is ASCII, and bytes that are not survive for the parser to refuse), or
 * undefined when it is not set; a CredentialError naming it by `label` when its file cannot be read.
 */
export function readPemField(file: string | undefined, data: string | undefined, label: string): string | undefined {
  if (file) {
    try {
      return readFileSync(file, "latin1");
    } catch (e) {
      throw new CredentialError("error", `${label} cannot be read (${(e as NodeJS.ErrnoException).code ?? "unreadable"})`);
    }
  }
  return data ? Buffer.from(data, "base64").toString("latin1") : undefined;
}
