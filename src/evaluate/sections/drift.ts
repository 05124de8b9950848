// Drift: for each cluster, what changed between its previous good snapshot and the current one, and
// how its findings moved since the previous evaluation.
import { normalizeImage, podImages } from "../../analysis/cns.js";
import { parseAddress } from "../../analysis/ranges.js";
import type { Finding } from "../../model/finding.js";
import type { DriftCluster, DriftFinding, DriftSection, NncAddressChange } from "../../model/sections.js";
import type { ClusterSnapshot, Nnc } from "../../model/snapshot.js";
import { type ClusterView, lastOkAt } from "../../rules/context.js";

const MAX_NNC_CHANGES = 50;
const MAX_ENTRIES = 20;

/** What an NNC holds: NC primaries and ipAssignments, as canonical text (`10.40.0.16/28`, `10.241.0.92`). */
function holdings(n: Nnc): Set<string> {
  const out = new Set<string>();
  for (const nc of n.networkContainers) {
    for (const t of [nc.primaryIP, ...nc.ipAssignments]) {
      if (!t) continue;
      const p = parseAddress(t);
      out.add(p.ok ? p.canonical : t);
    }
  }
  return out;
}

function size(entry: string): number {
  const p = parseAddress(entry);
  return p.ok ? p.end - p.start + 1 : 0;
}

function diffNames(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const b = new Set(before);
  const a = new Set(after);
  return { added: after.filter((n) => !b.has(n)).sort(), removed: before.filter((n) => !a.has(n)).sort() };
}

const totals = (s: ClusterSnapshot) => s.nncs.reduce((t, n) => ({ requested: t.requested + n.requestedIPCount, assigned: t.assigned + n.assignedIPCount }), { requested: 0, assigned: 0 });

/** An NNC's address fields as written: equal text means equal holdings, with nothing to parse. */
function rawHoldings(n: Nnc): string {
  return n.networkContainers.map((nc) => `${nc.primaryIP ?? ""}\u0000${nc.ipAssignments.join("\u0000")}`).join("\u0001");
}

function addressDrift(prev: ClusterSnapshot | undefined, cur: ClusterSnapshot): Pick<DriftCluster, "addresses" | "nncChanges"> {
  const addresses = { gained: 0, lost: 0, entriesGained: 0, entriesLost: 0 };
  const nncChanges: NncAddressChange[] = [];
  if (!prev) return { addresses, nncChanges };
  const before = new Map(prev.nncs.map((n) => [n.name, n]));
  const seen = new Set<string>();
  for (const n of cur.nncs) {
    seen.add(n.name);
    const old = before.get(n.name);
    // Most NNCs hold the same blocks scan after scan: skip parsing those.
    if (old && rawHoldings(old) === rawHoldings(n)) continue;
    const now = holdings(n);
    const was = old ? holdings(old) : new Set<string>();
    const gained = [...now].filter((e) => !was.has(e));
    const lost = [...was].filter((e) => !now.has(e));
    for (const e of gained) (addresses.entriesGained++, (addresses.gained += size(e)));
    for (const e of lost) (addresses.entriesLost++, (addresses.lost += size(e)));
    if (old && (gained.length || lost.length) && nncChanges.length < MAX_NNC_CHANGES) {
      nncChanges.push({ nnc: n.name, gained: gained.sort().slice(0, MAX_ENTRIES), lost: lost.sort().slice(0, MAX_ENTRIES) });
    }
  }
  for (const [name, old] of before) {
    if (seen.has(name)) continue;
    for (const e of holdings(old)) (addresses.entriesLost++, (addresses.lost += size(e)));
  }
  return { addresses, nncChanges };
}

const brief = (f: Finding): DriftFinding => ({ id: f.id, rule: f.rule, severity: f.severity, resource: f.resource, message: f.message });
const about = (f: Finding, cluster: string) => f.cluster === cluster || (f.clusters?.includes(cluster) ?? false);

/** What changed in one cluster's data since its previous good snapshot; findings are added by `buildDrift`. */
export type DriftBase = Omit<DriftCluster, "findings">;

export function clusterDrift(v: ClusterView): DriftBase {
  const cur = v.snapshot;
  const prev = cur.status === "ok" ? v.previous : undefined;
  const t0 = prev ? totals(prev) : undefined;
  const t1 = totals(cur);
  const imageBefore = normalizeImage(prev?.cns.daemonset?.images[0]) ?? null;
  const imageAfter = normalizeImage(cur.cns.daemonset?.images[0]) ?? null;
  const podImagesBefore = prev ? podImages(prev) : {};
  const podImagesAfter = podImages(cur);
  const base: DriftBase = {
    cluster: v.name,
    status: v.latest.status,
    lastOkAt: lastOkAt(v),
    from: prev?.takenAt ?? null,
    to: cur.takenAt,
    nodes: prev ? diffNames(prev.nodes.map((n) => n.name), cur.nodes.map((n) => n.name)) : { added: [], removed: [] },
    nncs: prev ? diffNames(prev.nncs.map((n) => n.name), cur.nncs.map((n) => n.name)) : { added: [], removed: [] },
    ...addressDrift(prev, cur),
    requestedIPs: { before: t0?.requested ?? t1.requested, after: t1.requested },
    assignedIPs: { before: t0?.assigned ?? t1.assigned, after: t1.assigned },
    cns: {
      imageBefore: prev ? imageBefore : imageAfter,
      imageAfter,
      podImagesBefore: prev ? podImagesBefore : podImagesAfter,
      podImagesAfter,
      changed: prev !== undefined && (imageBefore !== imageAfter || JSON.stringify(Object.keys(podImagesBefore).sort()) !== JSON.stringify(Object.keys(podImagesAfter).sort())),
      ...windowsDrift(prev, cur),
    },
  };
  if (cur.status === "stopped") base.note = "stopped in ARM: not scanned";
  else if (cur.status !== "ok") base.note = unreadNote(v);
  else if (v.latest.status !== "ok") base.note = staleNote(v, prev);
  else if (!prev) base.note = "first good snapshot: nothing to compare with";
  return base;
}

/** No good snapshot is judged: "no good snapshot yet" only where there never was one (a cluster may have left CNS since). */
function unreadNote(v: ClusterView): string {
  if (!v.lastOk) return `no good snapshot yet (latest scan: ${v.latest.status})`;
  const now = v.snapshot.status === "not-cns" ? "not CNS now" : `latest scan ${v.snapshot.status}`;
  return `${now}: not collected (last good snapshot ${v.lastOk.takenAt})`;
}

/**
 * The latest scan did not read the cluster: its drift is that of the last good snapshot, which an
 * earlier evaluation reported already. Worded as SCN001 words it ("using data from").
 */
function staleNote(v: ClusterView, prev: ClusterSnapshot | undefined): string {
  const why = v.latest.status === "stopped" ? "stopped in ARM, not scanned" : `latest scan ${v.latest.status}`;
  return `${why}: using data from ${v.snapshot.takenAt}, ${prev ? `compared with ${prev.takenAt}` : "nothing to compare with"}`;
}

/** azure-cns-win's template image before and after, when the current snapshot read it (older ones did not). */
function windowsDrift(prev: ClusterSnapshot | undefined, cur: ClusterSnapshot): Pick<DriftCluster["cns"], "windows"> {
  if (cur.cns.windowsDaemonset === undefined) return {};
  const after = normalizeImage(cur.cns.windowsDaemonset?.images[0]) ?? null;
  const read = prev?.cns.windowsDaemonset !== undefined;
  const before = read ? (normalizeImage(prev!.cns.windowsDaemonset?.images[0]) ?? null) : after;
  return { windows: { imageBefore: before, imageAfter: after, changed: read && before !== after } };
}

export function buildDrift(bases: readonly DriftBase[], findings: readonly Finding[], previous: ReadonlyMap<string, Finding>, resolved: readonly Finding[]): DriftSection {
  const was = (f: Finding) => previous.get(f.id);
  const clusters = bases.map(({ note, ...base }): DriftCluster => {
    const mine = findings.filter((f) => about(f, base.cluster));
    return {
      ...base,
      findings: {
        new: mine.filter((f) => !was(f)).map(brief),
        resolved: resolved.filter((f) => about(f, base.cluster)).map(brief),
        changedSeverity: mine.filter((f) => was(f) && was(f)!.severity !== f.severity).map((f) => ({ ...brief(f), previousSeverity: was(f)!.severity })),
        waived: mine.filter((f) => was(f) && f.waived && !was(f)!.waived).map(brief),
        unwaived: mine.filter((f) => was(f)?.waived && !f.waived).map(brief),
      },
      ...(note ? { note } : {}),
    };
  });
  return { clusters: clusters.sort((a, b) => a.cluster.localeCompare(b.cluster)) };
}
