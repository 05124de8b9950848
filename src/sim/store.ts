// In-memory object store of one simulated cluster: etcd-like resourceVersions, sorted list
// snapshots that paging can continue from, and a per-object JSON cache.
import { randomUUID } from "node:crypto";
import type { KObject } from "./types.js";

/** The cluster-wide resourceVersion counter (etcd's revision). */
export class ResourceClock {
  constructor(public current = 1000) {}
  next(): number {
    return ++this.current;
  }
  observe(rv: number): void {
    if (Number.isFinite(rv) && rv > this.current) this.current = Math.floor(rv);
  }
}

/** An immutable, key-sorted view of a collection at one resourceVersion. */
export interface Snapshot<T extends KObject = KObject> {
  rv: number;
  keys: readonly string[];
  items: readonly T[];
}

/**
 * Freezes an object graph. It also flattens long strings: V8 keeps `a + b` results as rope trees
 * (~300 B per uuid instead of ~60) until something reads them, which matters at 75k objects.
 */
export function deepFreeze<T>(o: T): T {
  if (o === null || typeof o !== "object" || Object.isFrozen(o)) return o;
  Object.freeze(o);
  // for-in/indexing rather than Object.values: no array per object, which shows at 5M objects.
  if (Array.isArray(o)) for (let i = 0; i < o.length; i++) freezeValue(o[i]);
  else for (const k in o) freezeValue(o[k]);
  return o;
}

function freezeValue(v: unknown): void {
  if (typeof v === "string") {
    if (v.length > 12) v.charCodeAt(0);
  } else if (v !== null && typeof v === "object") deepFreeze(v);
}

/** Smallest index i with keys[i] >= key. */
export function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface PutOptions {
  /** Keep metadata as given (resourceVersion, uid, timestamps): for recorded objects served verbatim. */
  asIs?: boolean;
}

/**
 * One resource's objects. Stored objects are deep-frozen: change them with `update` (or `put` a new
 * object) so the resourceVersion moves and caches stay right.
 */
export class Collection<T extends KObject = KObject> {
  private readonly items = new Map<string, T>();
  private current: Snapshot<T> | undefined;
  private readonly history: Snapshot<T>[] = [];
  /** resourceVersion of the last change to this collection. */
  version: number;

  constructor(
    readonly plural: string,
    readonly namespaced: boolean,
    private readonly clock: ResourceClock,
    /** How many older list snapshots stay continuable before a continue token expires (410). */
    private readonly historyLimit = 16,
  ) {
    this.version = clock.current;
  }

  key(name: string, namespace?: string): string {
    if (!this.namespaced) return name;
    if (!namespace) throw new Error(`${this.plural} are namespaced: a namespace is required`);
    return `${namespace}/${name}`;
  }

  get size(): number {
    return this.items.size;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.items.get(this.key(name, namespace));
  }

  /** All objects (of one namespace if given), sorted by namespace/name like the real apiserver. */
  list(namespace?: string): readonly T[] {
    const snap = this.snapshot();
    if (namespace === undefined || !this.namespaced) return snap.items;
    const [from, to] = this.namespaceRange(snap, namespace);
    return snap.items.slice(from, to);
  }

  /** Index range [from, to) of one namespace's objects in a snapshot. */
  namespaceRange(snap: Snapshot<T>, namespace: string): [number, number] {
    // "/" sorts just before "0", so "ns/" .. "ns0" brackets exactly the namespace.
    return [lowerBound(snap.keys, `${namespace}/`), lowerBound(snap.keys, `${namespace}0`)];
  }

  /** Creates or replaces an object; returns the stored (frozen) object. */
  put(obj: T, opts: PutOptions = {}): T {
    const o = Object.isFrozen(obj) ? structuredClone(obj) : obj;
    const meta = o.metadata;
    if (!meta || typeof meta.name !== "string" || meta.name === "") throw new Error(`${this.plural}: metadata.name is required`);
    if (this.namespaced && !meta.namespace) throw new Error(`${this.plural}: metadata.namespace is required`);
    if (!this.namespaced) delete meta.namespace;
    const rv = this.clock.next();
    if (opts.asIs) this.clock.observe(Number(meta.resourceVersion));
    else {
      meta.resourceVersion = String(rv);
      // What the apiserver fills in on create.
      meta.uid ??= randomUUID();
      meta.creationTimestamp ??= `${new Date().toISOString().slice(0, 19)}Z`;
    }
    deepFreeze(o);
    this.items.set(this.key(meta.name, meta.namespace), o);
    this.changed();
    return o;
  }

  /** Copies the stored object, lets `fn` edit the copy, stores it with a new resourceVersion. */
  update(name: string, fn: (draft: T) => void, namespace?: string): T {
    const cur = this.get(name, namespace);
    if (!cur) throw new Error(`${this.plural} "${namespace ? namespace + "/" : ""}${name}" not found`);
    const draft = structuredClone(cur);
    fn(draft);
    draft.metadata.name = cur.metadata.name;
    if (cur.metadata.namespace !== undefined) draft.metadata.namespace = cur.metadata.namespace;
    return this.put(draft);
  }

  delete(name: string, namespace?: string): boolean {
    const ok = this.items.delete(this.key(name, namespace));
    if (ok) {
      this.clock.next();
      this.changed();
    }
    return ok;
  }

  /** The current sorted view; built once per change. */
  snapshot(): Snapshot<T> {
    if (!this.current) {
      const keys = [...this.items.keys()].sort();
      this.current = { rv: this.version, keys, items: keys.map((k) => this.items.get(k) as T) };
    }
    return this.current;
  }

  /**
   * The snapshot that was current at resourceVersion `rv` (what a continue token points at), if it
   * is still kept. Tokens only carry versions whose state was materialised, so "newest snapshot not
   * after rv" is exact.
   */
  snapshotAt(rv: number): Snapshot<T> | undefined {
    const cur = this.snapshot();
    if (rv >= cur.rv) return rv <= this.clock.current ? cur : undefined;
    for (let i = this.history.length - 1; i >= 0; i--) {
      const s = this.history[i] as Snapshot<T>;
      if (s.rv <= rv) return s;
    }
    return undefined;
  }

  /** The cluster's current resourceVersion with the current snapshot materialised: for fresh continue tokens. */
  freshRv(): number {
    this.snapshot();
    return this.clock.current;
  }

  private changed(): void {
    this.version = this.clock.current;
    if (this.current) {
      this.history.push(this.current);
      if (this.history.length > this.historyLimit) this.history.shift();
      this.current = undefined;
    }
  }
}
