// The schema model the simulator's OpenAPI documents are written from, and the meta/v1 definitions
// every kind refers to. `ref` names a definition; the v2 and v3 renderers spell the reference.

export interface Schema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  enum?: string[];
  default?: unknown;
  /** A definition's name ("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"). */
  ref?: string;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** A named definition; kinds carry the GVK kubectl looks them up by. */
export interface Definition {
  name: string;
  schema: Schema;
  gvk?: GroupVersionKind;
}

export const str = (description?: string, extra: Omit<Schema, "type" | "description"> = {}): Schema => withDesc({ type: "string", ...extra }, description);
export const int = (description?: string, extra: Omit<Schema, "type" | "description"> = {}): Schema => withDesc({ type: "integer", ...extra }, description);
export const int64 = (description?: string, extra: Omit<Schema, "type" | "description" | "format"> = {}): Schema => int(description, { format: "int64", ...extra });
export const int32 = (description?: string): Schema => int(description, { format: "int32" });
export const bool = (description?: string): Schema => withDesc({ type: "boolean" }, description);
export const arr = (items: Schema, description?: string): Schema => withDesc({ type: "array", items }, description);
export const obj = (properties: Record<string, Schema>, description?: string, required?: string[]): Schema =>
  withDesc(required ? { type: "object", properties, required } : { type: "object", properties }, description);
export const strMap = (description?: string): Schema => withDesc({ type: "object", additionalProperties: str() }, description);
export const ref = (name: string, description?: string): Schema => withDesc({ ref: name }, description);

function withDesc(s: Schema, description: string | undefined): Schema {
  return description === undefined ? s : { ...s, description };
}

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
export const OBJECT_META = `${META}.ObjectMeta`;
export const LIST_META = `${META}.ListMeta`;
const TIME = `${META}.Time`;
const OWNER_REFERENCE = `${META}.OwnerReference`;

const CONVENTIONS = "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md";
export const API_VERSION = str(
  `APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: ${CONVENTIONS}#resources`,
);
export const KIND = str(
  `Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: ${CONVENTIONS}#types-kinds`,
);
const METADATA = ref(OBJECT_META, `Standard object's metadata. More info: ${CONVENTIONS}#metadata`);

/** The top of every kind: apiVersion, kind and metadata, then its own fields. */
export function kindSchema(description: string, fields: Record<string, Schema>, required?: string[]): Schema {
  return obj({ apiVersion: API_VERSION, kind: KIND, metadata: METADATA, ...fields }, description, required);
}

/** ObjectMeta and what it refers to, trimmed to the fields the simulator's objects carry. */
export const META_DEFINITIONS: readonly Definition[] = [
  {
    name: OBJECT_META,
    schema: obj(
      {
        annotations: strMap("Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata."),
        creationTimestamp: ref(TIME, "CreationTimestamp is a timestamp representing the server time when this object was created. Populated by the system. Read-only."),
        deletionTimestamp: ref(TIME, "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. Populated by the system when a graceful deletion is requested. Read-only."),
        finalizers: arr(str(), "Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list."),
        generateName: str("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided."),
        generation: int64("A sequence number representing a specific generation of the desired state. Populated by the system. Read-only."),
        labels: strMap("Map of string keys and values that can be used to organize and categorize (scope and select) objects."),
        name: str("Name must be unique within a namespace. Cannot be updated."),
        namespace: str("Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the \"default\" namespace, but \"default\" is the canonical representation."),
        ownerReferences: arr(ref(OWNER_REFERENCE), "List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected."),
        resourceVersion: str("An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. Populated by the system. Read-only."),
        uid: str("UID is the unique in time and space value for this object. It is typically generated by the server on successful creation of a resource and is not allowed to change on PUT operations. Populated by the system. Read-only."),
      },
      "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
    ),
  },
  {
    name: OWNER_REFERENCE,
    schema: obj(
      {
        apiVersion: str("API version of the referent."),
        blockOwnerDeletion: bool("If true, AND if the owner has the \"foregroundDeletion\" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed."),
        controller: bool("If true, this reference points to the managing controller."),
        kind: str("Kind of the referent."),
        name: str("Name of the referent."),
        uid: str("UID of the referent."),
      },
      "OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped, so there is no namespace field.",
      ["apiVersion", "kind", "name", "uid"],
    ),
  },
  {
    name: LIST_META,
    schema: obj(
      {
        continue: str("continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available."),
        remainingItemCount: int64("remainingItemCount is the number of subsequent items in the list which are not included in this list response."),
        resourceVersion: str("String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed. Read-only."),
      },
      "ListMeta describes metadata that synthetic resources must have, including lists and various status objects.",
    ),
  },
  {
    name: TIME,
    schema: str("Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.", { format: "date-time" }),
  },
];
