import { resource } from "../../model/finding.js";
import { clustersWithData } from "../context.js";
import { defineRule } from "../rule.js";
import { listSome } from "../scope.js";

const NC_ERRORS = new Set(["NCUpdateInternalServerError", "NCUpdateUnauthorizedError", "NCUpdateFailed"]);

export default defineRule(
  {
    id: "NNC004",
    title: "NC or NNC in error",
    family: "NNC",
    severity: "warning",
    description: "The NNC's status.status is Error, or an NC's status is NCUpdateInternalServerError, NCUpdateUnauthorizedError or NCUpdateFailed: DNC-RC could not update the node's allocation.",
    remediation: "Describe the NNC (kubectl -n kube-system describe nnc NAME) for the error; an unauthorized error points at the cluster identity's rights on the pod subnet. Open a support case if it does not clear.",
    reference: "DOMAIN.md §1",
  },
  function* (ctx) {
    for (const c of clustersWithData(ctx)) {
      for (const nnc of c.snapshot.nncs) {
        const errors: string[] = [];
        if (nnc.status === "Error") errors.push("status.status is Error");
        for (const nc of nnc.networkContainers) if (nc.status && NC_ERRORS.has(nc.status)) errors.push(`NC ${nc.id || "(no id)"} is ${nc.status}`);
        if (errors.length === 0) continue;
        yield {
          severity: "warning",
          cluster: c.name,
          resource: resource("nnc", nnc.name),
          message: `NNC ${nnc.name} is in error: ${listSome(errors)}. Its node's allocation is not being updated.`,
          data: { errors: errors.length },
        };
      }
    }
  },
);
