// The resources the simulator serves, and the discovery documents (legacy, non-aggregated) for them.
import type { ResourceName } from "./state.js";
import type { KObject, NodeObject, PodObject } from "./types.js";

export const NNC_GROUP = "acn.azure.com";
export const NNC_VERSION = "v1alpha";
/** ClusterSubnetState lives in the same group under another version. */
export const CSS_VERSION = "v1alpha1";

export interface ResourceDef {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  store: ResourceName;
  /** Field-selector fields beyond metadata.name / metadata.namespace. */
  fields?: Record<string, (o: KObject) => string | undefined>;
}

const READ_WRITE = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export const RESOURCES: readonly ResourceDef[] = [
  { group: "", version: "v1", plural: "configmaps", singular: "configmap", kind: "ConfigMap", namespaced: true, shortNames: ["cm"], verbs: READ_WRITE, store: "configmaps" },
  {
    group: "", version: "v1", plural: "events", singular: "event", kind: "Event", namespaced: true, shortNames: ["ev"], verbs: READ_WRITE, store: "events",
    // The fields `kubectl describe` selects a resource's events by.
    fields: Object.fromEntries(
      ["kind", "name", "namespace", "uid", "apiVersion", "resourceVersion", "fieldPath"].map((f) => [`involvedObject.${f}`, (o: KObject) => (o as { involvedObject?: Record<string, string> }).involvedObject?.[f]]),
    ),
  },
  { group: "", version: "v1", plural: "services", singular: "service", kind: "Service", namespaced: true, shortNames: ["svc"], categories: ["all"], verbs: READ_WRITE, store: "services" },
  { group: "", version: "v1", plural: "namespaces", singular: "namespace", kind: "Namespace", namespaced: false, shortNames: ["ns"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], store: "namespaces", fields: { "status.phase": (o) => (o as { status?: { phase?: string } }).status?.phase } },
  {
    group: "", version: "v1", plural: "nodes", singular: "node", kind: "Node", namespaced: false, shortNames: ["no"], verbs: READ_WRITE, store: "nodes",
    fields: { "spec.unschedulable": (o) => String((o as NodeObject).spec?.unschedulable ?? false) },
  },
  {
    group: "", version: "v1", plural: "pods", singular: "pod", kind: "Pod", namespaced: true, shortNames: ["po"], categories: ["all"], verbs: READ_WRITE, store: "pods",
    fields: {
      "spec.nodeName": (o) => (o as PodObject).spec?.nodeName,
      "spec.restartPolicy": (o) => (o as PodObject).spec?.["restartPolicy"] as string | undefined,
      "spec.schedulerName": (o) => (o as PodObject).spec?.["schedulerName"] as string | undefined,
      "spec.serviceAccountName": (o) => (o as PodObject).spec?.["serviceAccountName"] as string | undefined,
      "spec.hostNetwork": (o) => String((o as PodObject).spec?.hostNetwork ?? false),
      "status.phase": (o) => (o as PodObject).status?.phase,
      "status.podIP": (o) => (o as PodObject).status?.podIP,
      "status.nominatedNodeName": (o) => (o as PodObject).status?.nominatedNodeName,
    },
  },
  { group: "apps", version: "v1", plural: "daemonsets", singular: "daemonset", kind: "DaemonSet", namespaced: true, shortNames: ["ds"], categories: ["all"], verbs: READ_WRITE, store: "daemonsets" },
  { group: NNC_GROUP, version: NNC_VERSION, plural: "nodenetworkconfigs", singular: "nodenetworkconfig", kind: "NodeNetworkConfig", namespaced: true, shortNames: ["nnc"], verbs: READ_WRITE, store: "nodenetworkconfigs" },
  { group: NNC_GROUP, version: CSS_VERSION, plural: "clustersubnetstates", singular: "clustersubnetstate", kind: "ClusterSubnetState", namespaced: true, verbs: READ_WRITE, store: "clustersubnetstates" },
];

export function groupVersion(def: { group: string; version: string }): string {
  return def.group === "" ? def.version : `${def.group}/${def.version}`;
}

/** "pods", "daemonsets.apps", "nodenetworkconfigs.acn.azure.com": how Status messages name a resource. */
export function qualifiedResource(def: ResourceDef): string {
  return def.group === "" ? def.plural : `${def.plural}.${def.group}`;
}

/** `css`: whether the ClusterSubnetState CRD is installed (it is optional, unlike the NNC one). */
export function resourcesOf(group: string, version: string, nncApi: boolean, css = nncApi): ResourceDef[] {
  if (group === NNC_GROUP && !nncApi) return [];
  return RESOURCES.filter((r) => r.group === group && r.version === version && (r.store !== "clustersubnetstates" || css));
}

export function fieldGetter(def: ResourceDef, obj: KObject): (field: string) => string | undefined {
  return (field) => {
    if (field === "metadata.name") return obj.metadata.name;
    if (field === "metadata.namespace") return obj.metadata.namespace ?? "";
    const f = def.fields?.[field];
    if (!f) throw new Error(`field label not supported: ${field}`);
    return f(obj);
  };
}

export function isFieldSupported(def: ResourceDef, field: string): boolean {
  return field === "metadata.name" || field === "metadata.namespace" || def.fields?.[field] !== undefined;
}

export function apiVersions(): object {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "10.0.0.1:443" }] };
}

/** `versions` in the apiserver's order: the preferred (kube-aware highest) first. */
function groupEntry(name: string, versions: string[]): object {
  const gvs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: gvs, preferredVersion: gvs[0] };
}

/** acn.azure.com versions served: v1alpha1 (ClusterSubnetState) sorts before the non-kube-like v1alpha. */
export function nncGroupVersions(css: boolean): string[] {
  return css ? [CSS_VERSION, NNC_VERSION] : [NNC_VERSION];
}

/** SelfSubjectAccessReview: what `kubectl auth can-i` posts (server.ts answers it). */
export const AUTHZ_GROUP = "authorization.k8s.io";
export const SSAR_PATH = `/apis/${AUTHZ_GROUP}/v1/selfsubjectaccessreviews`;

export function apiGroupList(nncApi: boolean, css = nncApi): object {
  const groups = [groupEntry("apps", ["v1"]), groupEntry(AUTHZ_GROUP, ["v1"])];
  if (nncApi) groups.push(groupEntry(NNC_GROUP, nncGroupVersions(css)));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

export function apiGroup(name: string, nncApi: boolean, css = nncApi): object | undefined {
  if (name === "apps") return { kind: "APIGroup", apiVersion: "v1", ...groupEntry("apps", ["v1"]) };
  if (name === AUTHZ_GROUP) return { kind: "APIGroup", apiVersion: "v1", ...groupEntry(AUTHZ_GROUP, ["v1"]) };
  if (name === NNC_GROUP && nncApi) return { kind: "APIGroup", apiVersion: "v1", ...groupEntry(NNC_GROUP, nncGroupVersions(css)) };
  return undefined;
}

export function apiResourceList(group: string, version: string, nncApi: boolean, css = nncApi): object | undefined {
  if (group === AUTHZ_GROUP && version === "v1") {
    return { kind: "APIResourceList", apiVersion: "v1", groupVersion: `${AUTHZ_GROUP}/v1`, resources: [{ name: "selfsubjectaccessreviews", singularName: "selfsubjectaccessreview", namespaced: false, kind: "SelfSubjectAccessReview", verbs: ["create"] }] };
  }
  const defs = resourcesOf(group, version, nncApi, css);
  if (defs.length === 0) return undefined;
  const resources: object[] = [];
  for (const d of defs) {
    const r: Record<string, unknown> = { name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: d.verbs };
    if (d.shortNames) r["shortNames"] = d.shortNames;
    if (d.categories) r["categories"] = d.categories;
    resources.push(r);
    if (d.plural === "pods") {
      resources.push({ name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] });
      resources.push({ name: "pods/proxy", singularName: "", namespaced: true, kind: "PodProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] });
      resources.push({ name: "pods/status", singularName: "", namespaced: true, kind: "Pod", verbs: ["get", "patch", "update"] });
    }
    if (d.plural === "daemonsets" || d.plural === "nodenetworkconfigs" || d.plural === "nodes") {
      resources.push({ name: `${d.plural}/status`, singularName: "", namespaced: d.namespaced, kind: d.kind, verbs: ["get", "patch", "update"] });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group === "" ? version : `${group}/${version}`, resources };
}

export function versionInfo(gitVersion: string): object {
  const m = /^v?(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: m?.[1] ?? "1",
    minor: m?.[2] ?? "30",
    gitVersion,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2024-10-22T20:34:22Z",
    goVersion: "go1.22.8",
    compiler: "gc",
    platform: "linux/amd64",
  };
}
