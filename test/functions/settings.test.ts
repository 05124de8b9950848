// App settings are read by group, each by the functions that use it; a bad one names itself.
import { describe, expect, it } from "vitest";
import { readCollectSettings, readQueueName } from "../../functions/settings.js";
import { UsageError } from "../../src/errors.js";

describe("readCollectSettings", () => {
  it("accepts FLEET_AUDIT_PARSE_WORKERS from 0 and names a bad value", () => {
    expect(() => readCollectSettings({ FLEET_AUDIT_PARSE_WORKERS: "0" })).not.toThrow();
    expect(() => readCollectSettings({ FLEET_AUDIT_PARSE_WORKERS: "-1" })).toThrow('app setting FLEET_AUDIT_PARSE_WORKERS must be a whole number from 0 to 16, not "-1"');
  });
});

describe("readQueueName", () => {
  it("defaults to audit-jobs and names a bad FLEET_AUDIT_QUEUE as bad usage", () => {
    expect(readQueueName({})).toBe("audit-jobs");
    const bad = () => readQueueName({ FLEET_AUDIT_QUEUE: "Audit_Jobs" });
    expect(bad).toThrow(UsageError);
    expect(bad).toThrow('app setting FLEET_AUDIT_QUEUE must be 3-56 lowercase letters, digits and single hyphens, not "Audit_Jobs"');
  });
});
