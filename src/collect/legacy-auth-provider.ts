// kubectl 1.26 removed the gcp and azure auth-providers, but client-node still runs their `cmd-path`
// with execSync: a hung helper blocks the whole process (every other cluster's deadline with it), its
// stderr reaches ours, and its failure quotes the command line, arguments and all (they hold secrets).
// So such a user fails its own cluster before client-node sees it, and the helper never runs.
import type * as k8s from "@kubernetes/client-node";

/** What replaced each removed provider (oidc is not here: client-node's is async and runs nothing). */
const REPLACED_BY: Record<string, string> = {
  gcp: "the gke-gcloud-auth-plugin exec plugin",
  azure: "kubelogin's exec plugin (`kubelogin convert-kubeconfig`)",
};

/**
 * Why the current user cannot be used, naming its context, user and provider (never the provider's
 * config: it holds the helper's arguments and tokens); undefined when it can.
 */
export function legacyAuthProviderProblem(kc: k8s.KubeConfig): string | undefined {
  const user = kc.getCurrentUser();
  const provider = user?.authProvider?.name;
  if (!user || provider === undefined || !Object.hasOwn(REPLACED_BY, provider)) return undefined;
  return `context ${JSON.stringify(kc.getCurrentContext())} user ${JSON.stringify(user.name)} uses the ${provider} auth-provider, which kubectl removed in 1.26 and this auditor does not run: use ${REPLACED_BY[provider]} instead`;
}
