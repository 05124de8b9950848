// The Azure SDK request timeout: one per attempt, worded, and no timer left behind by a request that
// failed early (the SDK's own timer outlived ECONNREFUSED and kept a CLI alive for the whole timeout).
import { createDefaultHttpClient, createEmptyPipeline, createPipelineRequest } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { requestTimeoutPolicy } from "../src/request-timeout.js";
import { withSilentServer } from "./helpers/silent-server.js";

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

function send(url: string, ms: number, abortSignal?: AbortSignal) {
  const pipeline = createEmptyPipeline();
  pipeline.addPolicy(requestTimeoutPolicy(ms));
  return pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({ url, allowInsecureConnection: true, ...(abortSignal ? { abortSignal } : {}) }));
}

describe("requestTimeoutPolicy", () => {
  it("leaves no timer running after a request fails early", async () => {
    const before = timers();
    // Nothing listens on port 1: ECONNREFUSED at once, long before the 60 s timeout.
    await expect(send("http://127.0.0.1:1/", 60_000)).rejects.toThrow(/ECONNREFUSED/);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it("names the endpoint that did not answer in time, and keeps a caller's own abort an abort", async () => {
    await withSilentServer(async (port) => {
      await expect(send(`http://127.0.0.1:${port}/`, 200)).rejects.toThrow(new RegExp(`^127\\.0\\.0\\.1:${port} did not answer within 0\\.2 s$`));
      const caller = new AbortController();
      const sent = send(`http://127.0.0.1:${port}/`, 60_000, caller.signal);
      caller.abort();
      await expect(sent).rejects.toThrow(expect.objectContaining({ name: "AbortError" }));
    });
  });
});
