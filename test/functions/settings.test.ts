// App settings are read by group, each by the functions that use it; a bad one names itself.
import { describe, expect, it } from "vitest";
import { readCollectSettings, readEvaluationSettings, readQueueName, readRoundSettings } from "../../functions/settings.js";
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

describe("readRoundSettings", () => {
  const round = (SCAN_SCHEDULE: string | undefined, more: Record<string, string> = {}) => () => readRoundSettings({ ...(SCAN_SCHEDULE === undefined ? {} : { SCAN_SCHEDULE }), ...more });

  it("accepts six-field NCRONTAB schedules that start rounds at least 5 minutes apart", () => {
    for (const s of ["0 */15 * * * *", "0 */5 * * * *", "0 30 3 * * *", "0 0,30 * * * *", "30 */10 8-18 * * MON-FRI", "0 0 6 1 jan,jul *", "0 5/10 * * * 1-5"]) {
      expect(round(s), s).not.toThrow();
    }
    expect(round("0 */15 * * * *")()).toEqual({ roundDeadlineMs: 30 * 60_000 });
  });

  it("refuses a schedule that is not six NCRONTAB fields, naming the setting", () => {
    for (const s of [undefined, "", "every 15 minutes", "*/15 * * * *", "0 */15 * * * * *"]) {
      expect(round(s), String(s)).toThrow(/^app setting SCAN_SCHEDULE must be an NCRONTAB schedule of six fields, seconds first, UTC/);
    }
    for (const [s, field] of [["0 61 * * * *", "minute"], ["0 */0 * * * *", "minute"], ["0 0 * * * mon-sun", "day of week"], ["0 0 12-3 * * *", "hour"], ["0 0 0 0 * *", "day"]]) {
      expect(round(s), s).toThrow(`app setting SCAN_SCHEDULE: the ${field} field`);
    }
  });

  it("refuses a schedule that starts rounds less than 5 minutes apart", () => {
    for (const s of ["* * * * * *", "0,30 */15 * * * *", "0 * * * * *", "0 */4 * * * *", "0 0,58 * * * *", "0 0,58 0,23 * * *"]) {
      expect(round(s), s).toThrow(/^app setting SCAN_SCHEDULE ".*" starts scan rounds less than 5 minutes apart/);
    }
  });

  it("refuses a round deadline shorter than a cluster's", () => {
    expect(round("0 */15 * * * *", { FLEET_AUDIT_ROUND_DEADLINE_MINUTES: "1", FLEET_AUDIT_CLUSTER_DEADLINE_SECONDS: "90" })).toThrow(
      "app setting FLEET_AUDIT_ROUND_DEADLINE_MINUTES (1) must give a round at least FLEET_AUDIT_CLUSTER_DEADLINE_SECONDS (90): a round would end before its clusters may",
    );
    expect(round("0 */15 * * * *", { FLEET_AUDIT_ROUND_DEADLINE_MINUTES: "2", FLEET_AUDIT_CLUSTER_DEADLINE_SECONDS: "90" })).not.toThrow();
  });
});

describe("readEvaluationSettings", () => {
  it("refuses a FLEET_AUDIT_PUBLIC_URL that is not an http(s) URL, or that carries a function key, without quoting the key", () => {
    expect(() => readEvaluationSettings({ FLEET_AUDIT_PUBLIC_URL: "https://audit.example.com/api/dashboard" })).not.toThrow();
    expect(() => readEvaluationSettings({ FLEET_AUDIT_PUBLIC_URL: "audit.example.com/api/dashboard" })).toThrow(
      'app setting FLEET_AUDIT_PUBLIC_URL must be an http(s) URL such as https://audit.example.com/api/dashboard, not "audit.example.com/api/dashboard"',
    );
    for (const url of ["https://func.azurewebsites.net/api/dashboard?code=FUNCTIONKEY", "https://func.azurewebsites.net/api/dashboard?Code=FUNCTIONKEY"]) {
      expect(() => readEvaluationSettings({ FLEET_AUDIT_PUBLIC_URL: url })).toThrow(/^app setting FLEET_AUDIT_PUBLIC_URL must not carry a function key \(code=\): cards are read by anyone in the channel$/);
    }
  });

  it("reads FLEET_AUDIT_ALERT_MIN_SEVERITY in any case, as the CLI does, and refuses what is no severity", () => {
    expect(readEvaluationSettings({}).alertMinSeverity).toBe("warning");
    expect(readEvaluationSettings({ FLEET_AUDIT_ALERT_MIN_SEVERITY: " Critical " }).alertMinSeverity).toBe("critical");
    expect(() => readEvaluationSettings({ FLEET_AUDIT_ALERT_MIN_SEVERITY: "loud" })).toThrow(/^app setting FLEET_AUDIT_ALERT_MIN_SEVERITY must be info, warning or critical$/);
  });
});
