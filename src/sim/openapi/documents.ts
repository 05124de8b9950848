// The OpenAPI documents a cluster publishes: v3 per group-version (what `kubectl explain` reads)
// and the v2 document (what older kubectl and `--output plaintext-openapiv2` read), built from the
// same definitions for the resources the cluster serves.
import { RESOURCES, groupVersion, resourcesOf, type ResourceDef } from "../discovery.js";
import { CSS_DEFINITION, NNC_DEFINITION } from "./acn.js";
import { CORE_DEFINITIONS } from "./core.js";
import { API_VERSION, KIND, LIST_META, META_DEFINITIONS, arr, obj, ref, type Definition, type GroupVersionKind, type Schema } from "./schema.js";

/** What a cluster serves, which decides its documents. */
export interface ServedApis {
  nncApi: boolean;
  css: boolean;
  kubernetesVersion: string;
}

const KINDS: readonly Definition[] = [...CORE_DEFINITIONS, NNC_DEFINITION, CSS_DEFINITION];
const BY_NAME = new Map<string, Definition>([...META_DEFINITIONS, ...KINDS].map((d) => [d.name, d]));

function kindOf(r: ResourceDef): Definition {
  const d = KINDS.find((k) => k.gvk?.group === r.group && k.gvk.version === r.version && k.gvk.kind === r.kind);
  if (!d) throw new Error(`no OpenAPI schema for ${groupVersion(r)} ${r.kind}`);
  return d;
}

function listOf(k: Definition): Definition {
  const gvk = k.gvk as GroupVersionKind;
  return {
    name: `${k.name}List`,
    gvk: { ...gvk, kind: `${gvk.kind}List` },
    schema: obj(
      {
        apiVersion: API_VERSION,
        items: arr(ref(k.name), `List of ${gvk.kind.toLowerCase()}s.`),
        kind: KIND,
        metadata: ref(LIST_META, "Standard list metadata."),
      },
      `${gvk.kind}List is a list of ${gvk.kind} objects.`,
      ["items"],
    ),
  };
}

function refsOf(s: Schema, out: Set<string>): void {
  if (s.ref) out.add(s.ref);
  for (const p of Object.values(s.properties ?? {})) refsOf(p, out);
  if (s.items) refsOf(s.items, out);
  if (s.additionalProperties) refsOf(s.additionalProperties, out);
}

/** The given definitions and every definition they refer to, directly or not. */
function closure(defs: Definition[]): Definition[] {
  const all = new Map(defs.map((d) => [d.name, d]));
  const queue = [...defs];
  for (let d = queue.shift(); d; d = queue.shift()) {
    const refs = new Set<string>();
    refsOf(d.schema, refs);
    for (const name of refs) {
      const target = BY_NAME.get(name);
      if (!target) throw new Error(`OpenAPI definition ${d.name} refers to unknown ${name}`);
      if (!all.has(name)) {
        all.set(name, target);
        queue.push(target);
      }
    }
  }
  return [...all.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The group-versions with resources, as the v3 index names them ("api/v1", "apis/apps/v1"). */
export function servedGroupVersions(apis: ServedApis): { path: string; resources: ResourceDef[] }[] {
  const gvs = [...new Map(RESOURCES.map((r) => [groupVersion(r), r])).values()];
  return gvs
    .map((r) => ({ path: r.group === "" ? `api/${r.version}` : `apis/${r.group}/${r.version}`, resources: resourcesOf(r.group, r.version, apis.nncApi, apis.css) }))
    .filter((gv) => gv.resources.length > 0);
}

/** Every definition a set of resources needs: their kinds, their lists and what those refer to. */
function definitionsFor(resources: ResourceDef[]): Definition[] {
  return closure(resources.flatMap((r) => [kindOf(r), listOf(kindOf(r))]));
}

const v3Ref = (name: string): object => ({ $ref: `#/components/schemas/${name}` });

function render(s: Schema, spellRef: (target: string, siblings: object) => object): object {
  const { ref: target, properties, items, additionalProperties, ...rest } = s;
  if (target) return spellRef(target, rest);
  const sub = (x: Schema): object => render(x, spellRef);
  const out: Record<string, unknown> = { ...rest };
  if (properties) out["properties"] = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, sub(v)]));
  if (items) out["items"] = sub(items);
  if (additionalProperties) out["additionalProperties"] = sub(additionalProperties);
  return out;
}

/** v3 spells a reference with siblings (a description) as a one-element allOf, as the apiserver does. */
const v3Schema = (s: Schema): object => render(s, (t, siblings) => (Object.keys(siblings).length === 0 ? v3Ref(t) : { allOf: [v3Ref(t)], ...siblings }));
const v2Schema = (s: Schema): object => render(s, (t, siblings) => ({ $ref: `#/definitions/${t}`, ...siblings }));

const GVK_EXTENSION = "x-kubernetes-group-version-kind";

function withGvk(d: Definition, body: object): object {
  return d.gvk ? { ...body, [GVK_EXTENSION]: [d.gvk] } : body;
}

const camel = (s: string): string => s.split(/[.-]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join("");
const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** GET operations for one resource: list (namespaced and across namespaces) and read. */
function resourcePaths(r: ResourceDef): Record<string, object> {
  const prefix = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const group = camel(r.group || "core");
  const gv = `${group}${camel(r.version)}`;
  const kind = kindOf(r);
  const op = (action: "list" | "get", id: string, schema: string, description: string): object => ({
    get: {
      description,
      operationId: id,
      responses: { "200": { description: "OK", content: { "application/json": { schema: v3Ref(schema) } } }, "401": { description: "Unauthorized" } },
      tags: [`${lowerFirst(group)}_${r.version}`],
      "x-kubernetes-action": action,
      [GVK_EXTENSION]: kind.gvk,
    },
  });
  const param = (name: string, description: string): object => ({ name, in: "path", required: true, description, schema: { type: "string", uniqueItems: true } });
  const nsParam = param("namespace", "object name and auth scope, such as for teams and projects");
  const nameParam = param("name", `name of the ${r.kind}`);
  const listDesc = `list or watch objects of kind ${r.kind}`;
  const readDesc = `read the specified ${r.kind}`;
  if (!r.namespaced) {
    return {
      [`${prefix}/${r.plural}`]: op("list", `list${gv}${r.kind}`, `${kind.name}List`, listDesc),
      [`${prefix}/${r.plural}/{name}`]: { ...op("get", `read${gv}${r.kind}`, kind.name, readDesc), parameters: [nameParam] },
    };
  }
  return {
    [`${prefix}/namespaces/{namespace}/${r.plural}`]: { ...op("list", `list${gv}Namespaced${r.kind}`, `${kind.name}List`, listDesc), parameters: [nsParam] },
    [`${prefix}/namespaces/{namespace}/${r.plural}/{name}`]: { ...op("get", `read${gv}Namespaced${r.kind}`, kind.name, readDesc), parameters: [nameParam, nsParam] },
    [`${prefix}/${r.plural}`]: op("list", `list${gv}${r.kind}ForAllNamespaces`, `${kind.name}List`, listDesc),
  };
}

export interface V2Document {
  swagger: string;
  info: { title: string; version: string };
  paths: Record<string, never>;
  definitions: Record<string, Record<string, unknown>>;
}

const info = (apis: ServedApis): V2Document["info"] => ({ title: "Kubernetes", version: apis.kubernetesVersion });

export function v3Document(apis: ServedApis, resources: ResourceDef[]): object {
  return {
    openapi: "3.0.0",
    info: info(apis),
    paths: Object.assign({}, ...resources.map(resourcePaths)) as object,
    components: { schemas: Object.fromEntries(definitionsFor(resources).map((d) => [d.name, withGvk(d, v3Schema(d.schema))])) },
  };
}

/** Definitions only: clients of v2 (kubectl explain, client-side apply) read nothing else. */
export function v2Document(apis: ServedApis): V2Document {
  const defs = definitionsFor(servedGroupVersions(apis).flatMap((gv) => gv.resources));
  return { swagger: "2.0", info: info(apis), paths: {}, definitions: Object.fromEntries(defs.map((d) => [d.name, withGvk(d, v2Schema(d.schema)) as Record<string, unknown>])) };
}
