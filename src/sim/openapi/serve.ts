// /openapi/v2, /openapi/v3 and /openapi/v3/{group-version} as kube-openapi's handlers answer them:
// content negotiation on Accept (406 when nothing offered fits), hashed v3 URLs that are immutable
// (a stale hash is redirected to the current one), ETags and If-None-Match.
import { createHash } from "node:crypto";
import { servedGroupVersions, v2Document, v3Document, type ServedApis } from "./documents.js";
import { encodeV2Document } from "./protobuf.js";

export interface OpenApiReply {
  status: number;
  body: string | Buffer;
  contentType: string;
  headers?: Record<string, string>;
}

const JSON_TYPE = "application/json";
/**
 * v2's protobuf, under both names kube-openapi accepts; it answers with the second, which (unlike
 * the "@" one) parses as a media type. v3's protobuf is not offered.
 */
const V2_PROTOBUF = ["application/com.github.proto-openapi.spec.v2@v1.0+protobuf", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"];
const V2_PROTOBUF_RETURNED = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

interface Encoded {
  body: Buffer;
  contentType: string;
}
interface Published {
  etag: string;
  /** Offered media type → its encoding, built on first request. */
  encodings: Map<string, () => Encoded>;
}

const sha512 = (b: Buffer): string => createHash("sha512").update(b).digest("hex").toUpperCase();

function published(json: Buffer, protobuf?: () => Buffer): Published {
  const asJson = (): Encoded => ({ body: json, contentType: JSON_TYPE });
  const encodings = new Map<string, () => Encoded>([[JSON_TYPE, asJson]]);
  if (protobuf) {
    let pb: Buffer | undefined;
    for (const t of V2_PROTOBUF) encodings.set(t, () => ({ body: (pb ??= protobuf()), contentType: V2_PROTOBUF_RETURNED }));
  }
  return { etag: sha512(json), encodings };
}

interface ClusterDocs {
  index: Buffer;
  v2: Published;
  v3: Map<string, Published>;
}

/** Documents depend only on what is served, so clusters that serve the same share them. */
const docsCache = new Map<string, ClusterDocs>();

function docsFor(apis: ServedApis): ClusterDocs {
  const key = `${apis.nncApi}|${apis.css}|${apis.kubernetesVersion}`;
  let docs = docsCache.get(key);
  if (!docs) {
    const v3 = new Map(servedGroupVersions(apis).map((gv) => [gv.path, published(Buffer.from(JSON.stringify(v3Document(apis, gv.resources))))]));
    const paths = Object.fromEntries([...v3].map(([p, d]) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${d.etag}` }]));
    const v2 = v2Document(apis);
    docs = { index: Buffer.from(JSON.stringify({ paths })), v2: published(Buffer.from(JSON.stringify(v2)), () => encodeV2Document(v2)), v3 };
    docsCache.set(key, docs);
  }
  return docs;
}

/** Accept's media ranges, most preferred first (by q, then as listed); none means anything. */
function mediaRanges(accept: string | undefined): string[] {
  const ranges = (accept?.trim() ? accept : "*/*").split(",").map((r, i) => {
    const [type = "", ...params] = r.split(";").map((p) => p.trim());
    const q = params.find((p) => p.startsWith("q="));
    return { type: type.toLowerCase(), q: q ? Number(q.slice(2)) : 1, i };
  });
  return ranges.filter((r) => r.q > 0).sort((a, b) => b.q - a.q || a.i - b.i).map((r) => r.type);
}

function negotiate(accept: string | undefined, offered: Iterable<string>): string | undefined {
  const types = [...offered];
  for (const range of mediaRanges(accept)) {
    const [rt, rs] = range.split("/");
    const hit = types.find((t) => {
      const [tt, ts] = t.split("/");
      return (rt === "*" || rt === tt) && (rs === "*" || rs === ts);
    });
    if (hit) return hit;
  }
  return undefined;
}

function serve(doc: Published, accept: string | undefined, ifNoneMatch: string | undefined, headers: Record<string, string> = {}): OpenApiReply {
  const type = negotiate(accept, doc.encodings.keys());
  if (!type) return { status: 406, body: "", contentType: "text/plain; charset=utf-8" };
  const etag = `"${doc.etag}"`;
  const all = { ETag: etag, Vary: "Accept", ...headers };
  if (ifNoneMatch === etag) return { status: 304, body: "", contentType: JSON_TYPE, headers: all };
  const enc = (doc.encodings.get(type) as () => Encoded)();
  return { status: 200, body: enc.body, contentType: enc.contentType, headers: all };
}

export interface OpenApiRequest {
  /** Path segments after "openapi": ["v2"], ["v3"], ["v3", "apis", "apps", "v1"]. */
  segs: string[];
  query: URLSearchParams;
  accept: string | undefined;
  ifNoneMatch: string | undefined;
}

/** The reply for an /openapi path, or undefined where nothing is published (a 404). */
export function openApiReply(req: OpenApiRequest, apis: ServedApis): OpenApiReply | undefined {
  const [version, ...rest] = req.segs;
  const docs = docsFor(apis);
  if (version === "v2" && rest.length === 0) return serve(docs.v2, req.accept, req.ifNoneMatch);
  if (version !== "v3") return undefined;
  if (rest.length === 0) return { status: 200, body: docs.index, contentType: JSON_TYPE };
  const path = rest.join("/");
  const doc = docs.v3.get(path);
  if (!doc) return undefined;
  const hash = req.query.get("hash");
  if (hash === null) return serve(doc, req.accept, req.ifNoneMatch);
  if (hash !== doc.etag) {
    return { status: 301, body: "", contentType: "text/plain; charset=utf-8", headers: { Location: `/openapi/v3/${path}?hash=${doc.etag}` } };
  }
  // A hashed URL names one version of the document for good.
  const expires = new Date(Date.now() + 365 * 86_400_000).toUTCString();
  return serve(doc, req.accept, req.ifNoneMatch, { "Cache-Control": "public, immutable", Expires: expires });
}
