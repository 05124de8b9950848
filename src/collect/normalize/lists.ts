// List pages parsed and normalised in one step, with the normaliser named rather than passed: a parse
// worker (parse-pool.ts) runs the same code, and functions cannot cross to another thread.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { inflateSync } from "../http-get.js";
import type { ListPage } from "../kube-session.js";
import { arr, obj, str } from "./fields.js";
import { normalizeNnc } from "./nnc.js";
import { normalizeCnsPod, normalizeNode } from "./workloads.js";

export const LIST_NORMALIZERS = {
  nnc: normalizeNnc,
  node: (n: unknown) => normalizeNode(n as V1Node),
  "cns-pod": (p: unknown) => normalizeCnsPod(p as V1Pod),
  /** A pod's node: all the Pending-pods list is read for. */
  "pod-node": (p: unknown) => (p as V1Pod | null)?.spec?.nodeName,
  raw: (x: unknown) => x,
} as const;

export type ListKind = keyof typeof LIST_NORMALIZERS;
export type Normalized<K extends ListKind> = ReturnType<(typeof LIST_NORMALIZERS)[K]>;

/**
 * One list page's JSON body (inflated first when `gzipped`), its items normalised as `kind` says.
 * Throws on malformed JSON, and as http-get does on a gzip stream cut short.
 */
export function parseListPage<K extends ListKind>(body: Uint8Array, kind: K, gzipped = false): ListPage<Normalized<K>> {
  const json = gzipped ? inflateSync(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const parsed: unknown = JSON.parse(json.toString("utf8"));
  // Valid JSON that is no list answer: named here, where it is known, not as a TypeError further on.
  const raw = obj(parsed);
  if (!raw) throw new Error(`the list answer is ${describe(parsed)}, not a Kubernetes list`);
  // Every Kubernetes list has the key (null when a Go list is empty): an object without it is something
  // else, such as a proxy's {} or the server's root document, and never an empty list.
  if (!("items" in raw)) throw new Error(`the list answer is an object with no items (${kindOf(raw)}), not a list`);
  const page = raw as ListPage<unknown>;
  if (page.items != null && !arr(page.items)) throw new Error(`the list answer's items is ${describe(page.items)}, not a list`);
  const normalize = LIST_NORMALIZERS[kind] as (item: unknown) => Normalized<K>;
  const out: ListPage<Normalized<K>> = {};
  if (page.items) {
    const items: Array<Normalized<K>> = [];
    for (const item of page.items) items.push(normalize(item));
    out.items = items;
  }
  const meta = obj(page.metadata);
  if (meta) {
    out.metadata = {};
    const [legacy, cont] = [str(meta._continue), str(meta.continue)];
    if (legacy) out.metadata._continue = legacy;
    if (cont) out.metadata.continue = cont;
  }
  return out;
}

/** The object's kind when it looks like one: never other body text, which may quote a request. */
function kindOf(o: Record<string, unknown>): string {
  const kind = str(o.kind);
  return kind && /^[A-Za-z][A-Za-z0-9]{0,62}$/.test(kind) ? `kind ${kind}` : "and no kind";
}

function describe(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`;
}
