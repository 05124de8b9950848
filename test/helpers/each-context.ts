// Every context of a kubeconfig as its own target, resolved one by one as queued jobs are: for tests of
// per-context settings (users, CAs, token files) on one simulated cluster, whose contexts a discovery
// would scan once, as one API server.
import { resolveTarget } from "../../src/sources/discover.js";
import { loadKubeconfig } from "../../src/sources/kubeconfig.js";
import type { ClusterTarget } from "../../src/sources/target.js";

export function eachContext(file: string): Promise<ClusterTarget[]> {
  const names = loadKubeconfig([file]).getContexts().map((c) => c.name);
  return Promise.all(names.map((name) => resolveTarget({ kind: "kubeconfig", name, context: name, files: [file] }, {})));
}
