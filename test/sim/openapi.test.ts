// The simulator's OpenAPI endpoints over raw HTTPS: auth, the v3 index and hashed documents, content
// negotiation, the v2 document and faults. test/sim/kubectl.test.ts drives `kubectl explain` on them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { rawGet } from "../helpers/sim-kube.js";

const NNC_GV = "apis/acn.azure.com/v1alpha";
const NNC_SCHEMA = "com.azure.acn.v1alpha.NodeNetworkConfig";
const V3_PROTOBUF = "application/com.github.proto-openapi.spec.v3@v1.0+protobuf";
const V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

type Json = Record<string, any>;

describe("OpenAPI served by the simulator", () => {
  let sim: Simulator;
  const get = (path: string, headers: Record<string, string> = {}, cluster = "dyn") => rawGet(sim, cluster, path, headers);
  const index = async (cluster = "dyn"): Promise<Record<string, { serverRelativeURL: string }>> => (JSON.parse((await get("/openapi/v3", {}, cluster)).body) as Json)["paths"];

  beforeAll(async () => {
    sim = await startSimulator([
      { name: "dyn", mode: "dynamic", nodes: 2 },
      { name: "knet", mode: "kubenet", nodes: 1 },
    ]);
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("answers 401 without a valid bearer token, like every other endpoint", async () => {
    const url = (await index())[NNC_GV]!.serverRelativeURL;
    for (const path of ["/openapi/v3", url, "/openapi/v2"]) {
      for (const authorization of ["", "Bearer wrong"]) {
        const r = await get(path, { authorization });
        expect(r.status, `${path} ${authorization}`).toBe(401);
        expect(JSON.parse(r.body)).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
      }
    }
  });

  it("indexes every served group-version under a hashed URL that serves its immutable document", async () => {
    const paths = await index();
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(["api/v1", "apis/apps/v1", NNC_GV]));
    const url = paths[NNC_GV]!.serverRelativeURL;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/acn\.azure\.com\/v1alpha\?hash=[0-9A-F]{128}$/);
    const r = await get(url, { accept: "application/json" });
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers["cache-control"]).toBe("public, immutable");
    const doc = JSON.parse(r.body) as Json;
    expect(doc["openapi"]).toBe("3.0.0");
    const nnc = doc["components"]["schemas"][NNC_SCHEMA] as Json;
    expect(nnc["x-kubernetes-group-version-kind"]).toEqual([{ group: "acn.azure.com", version: "v1alpha", kind: "NodeNetworkConfig" }]);
    expect(nnc["properties"]["metadata"]["allOf"]).toEqual([{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }]);
    expect(doc["components"]["schemas"]).toHaveProperty(["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);
    const nc = nnc["properties"]["status"]["properties"]["networkContainers"]["items"] as Json;
    expect(nc["properties"]["assignmentMode"]).toMatchObject({ type: "string", default: "dynamic", enum: ["dynamic", "static"] });
    expect(Object.keys(nc["properties"])).toEqual(expect.arrayContaining(["id", "primaryIP", "ipAssignments", "subcriptionID", "subnetAddressSpace", "version"]));
    expect(doc["paths"]["/apis/acn.azure.com/v1alpha/namespaces/{namespace}/nodenetworkconfigs"]["get"]["operationId"]).toBe("listAcnAzureComV1alphaNamespacedNodeNetworkConfig");

    const stale = await get(url.replace(/hash=.*/, "hash=0"));
    expect(stale.status).toBe(301);
    expect(stale.headers["location"]).toBe(url);
    const again = await get(url, { "if-none-match": String(r.headers["etag"]) });
    expect(again.status).toBe(304);
  });

  it("answers JSON when JSON is acceptable at all, and 406 to a client that takes only v3 protobuf", async () => {
    const url = `/openapi/v3/${NNC_GV}`;
    const mixed = await get(url, { accept: `${V3_PROTOBUF}, application/json` });
    expect(mixed.status).toBe(200);
    expect(mixed.headers["content-type"]).toBe("application/json");
    expect((await get(url, { accept: "*/*" })).headers["content-type"]).toBe("application/json");
    expect((await get(url, { accept: V3_PROTOBUF })).status).toBe(406);
  });

  it("serves the v2 document as JSON, and as gnostic protobuf to client-go's discovery", async () => {
    const json = await get("/openapi/v2");
    expect(json.headers["content-type"]).toBe("application/json");
    const doc = JSON.parse(json.body) as Json;
    expect(doc["swagger"]).toBe("2.0");
    expect(doc["definitions"][NNC_SCHEMA]["properties"]["metadata"]["$ref"]).toBe("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    expect(doc["definitions"]["io.k8s.api.core.v1.Node"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "", version: "v1", kind: "Node" }]);
    const pb = await get("/openapi/v2", { accept: V2_PROTOBUF });
    expect(pb.status).toBe(200);
    expect(pb.headers["content-type"]).toBe("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
    // Document.swagger (field 1, length-delimited) comes first.
    expect([...pb.raw.subarray(0, 5)]).toEqual([0x0a, 3, ...Buffer.from("2.0")]);
    expect(pb.raw.includes(Buffer.from(NNC_SCHEMA))).toBe(true);
  });

  it("publishes no acn.azure.com schemas where the CRD is absent", async () => {
    const paths = await index("knet");
    expect(Object.keys(paths)).toContain("api/v1");
    expect(Object.keys(paths)).not.toContain(NNC_GV);
    expect((await get(`/openapi/v3/${NNC_GV}`, {}, "knet")).status).toBe(404);
    expect((await get("/openapi/v2", {}, "knet")).body).not.toContain("com.azure.acn");
  });

  it("applies faults to OpenAPI requests", async () => {
    const c = sim.cluster("dyn");
    await c.setFaults([{ kind: "status", code: 503, path: "/openapi/" }]);
    try {
      expect((await get("/openapi/v3")).status).toBe(503);
      expect((await get("/api/v1/nodes")).status).toBe(200);
    } finally {
      await c.clearFaults();
    }
    expect((await get("/openapi/v3")).status).toBe(200);
  });
});
