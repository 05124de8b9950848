// What people see from the CLI: a progress bar and colour on terminals, plain lines and no colour
// when piped or NO_COLOR is set, --format everywhere, CSV that spreadsheets cannot run, help with
// examples. Real scans: the simulator over HTTPS and Azurite.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { FORMATS } from "../../src/reports/render.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";
import { FORMULA_NAME, REFUSED, SPECS, XSS_NAME } from "../http/fleet.js";

/** A name carrying terminal escape sequences (retitle the window, clear the screen). */
const ESCAPE_NAME = "aks-\u001b]0;pwned\u0007\u001b[2J-01";
const ANSI = /\u001b\[[0-9;]*m/;
/** A name whose right-to-left override makes it read as another ("bidi-txt-live" on screen). */
const BIDI_NAME = "bidi-\u202Eevil\u202C-txt";

/** The shared fleet, and clusters with hostile names beside it. */
const HOSTILE_SPECS = [
  { name: ESCAPE_NAME, mode: "overlay" as const, nodes: 1, podCidr: "10.250.0.0/16" },
  { name: BIDI_NAME, mode: "overlay" as const, nodes: 1, podCidr: "10.251.0.0/16" },
];
const CLUSTERS = SPECS.length + HOSTILE_SPECS.length;

let sim: Simulator;
let kubeconfig: string;
let dir: string;
const storage = inject("azuriteConnectionString");
const env = { FLEET_AUDIT_TABLE_PREFIX: `out${process.pid}` };
const scanArgs = () => ["scan", "--kubeconfig", kubeconfig, "--storage", storage, "--cluster-deadline", "8", "--request-timeout", "3"];
const cli = (argv: string[], opts: { tty?: boolean; columns?: number; env?: Record<string, string> } = {}) =>
  runCli(argv, { cwd: dir, ...opts, env: { ...env, ...opts.env } });

beforeAll(async () => {
  sim = await startSimulator([...SPECS, ...HOSTILE_SPECS]);
  dir = mkdtempSync(path.join(tmpdir(), "cli-output-"));
  kubeconfig = await sim.writeKubeconfig(dir);
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

describe("scan output", () => {
  it("draws a progress bar on a terminal: clusters done / total and failures so far", async () => {
    const r = await cli(scanArgs(), { tty: true, columns: 120 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${CLUSTERS}/${CLUSTERS} clusters`);
    expect(r.stderr).toMatch(/Scanning [█░]+ /);
    expect(r.stderr).toMatch(/\u001b\[31m1 failed\u001b\[39m/); // coloured on a terminal
    expect(r.stderr).toMatch(/✗.* aks-dr-refused: unreachable \(.*ECONNREFUSED/);
    // cursor movement, not one line per cluster
    expect(r.stderr).toMatch(/\u001b\[1G/);
    expect(r.stderr).not.toMatch(/^\[\d+\/\d+\]/m);
    // tables in colour on stdout
    expect(r.stdout).toMatch(ANSI);
    expect(r.stdout).toMatch(/\u001b\[31m(critical|aks-dr-refused)/);
  });

  it("prints plain lines and no colour when not a terminal", async () => {
    const r = await cli(scanArgs(), { tty: false });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split("\n").filter((l) => /^\[\d+\/\d+\]/.test(l));
    expect(lines).toHaveLength(CLUSTERS);
    expect(lines.at(-1)).toMatch(new RegExp(`^\\[${CLUSTERS}/${CLUSTERS}\\] `));
    expect(lines.find((l) => l.includes(REFUSED))).toMatch(/unreachable \(/);
    expect(r.stderr).not.toMatch(/\u001b/);
    expect(r.stdout).not.toMatch(/\u001b/);
    expect(r.stdout).toContain(`Scanned ${CLUSTERS} clusters`);
  });

  it("drops colour on a terminal when NO_COLOR is set, but keeps the bar", async () => {
    const r = await cli(scanArgs(), { tty: true, env: { NO_COLOR: "1" } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stderr).not.toMatch(ANSI);
    expect(r.stderr).toContain("1 failed");
  });

  it("never passes a name's escape sequences to the terminal", async () => {
    for (const tty of [true, false]) {
      const r = await cli(scanArgs(), { tty });
      expect(r.stdout + r.stderr).not.toContain("\u001b]0;");
      expect(r.stdout + r.stderr).not.toContain("\u001b[2J");
      expect(r.stdout + r.stderr).not.toContain("\u0007");
      expect(r.stdout).toContain("aks-\\x1b]0;pwned\\x07\\x1b[2J-01");
    }
  });

  it("shows a name's bidi override as \\u202e, in progress lines, tables and documents", async () => {
    for (const tty of [true, false]) {
      const r = await cli(scanArgs(), { tty });
      expect(r.stdout + r.stderr).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
      // Piped, each cluster has its line.
      if (!tty) expect(r.stderr).toContain("bidi-\\u202eevil\\u202c-txt");
    }
    for (const format of ["table", "csv", "md", "html"]) {
      const r = await cli(["report", "health", "--format", format, "--storage", storage]);
      expect(r.stdout, format).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
      expect(r.stdout, format).toMatch(/bidi-\\+u202eevil\\+u202c-txt/);
    }
    // JSON is data: it keeps the real name.
    expect(JSON.parse((await cli(["report", "health", "--format", "json", "--storage", storage])).stdout).clusters.map((c: { cluster: string }) => c.cluster)).toContain(BIDI_NAME);
  });

  it("prints the findings report in any --format, progress staying on stderr", async () => {
    const json = await cli([...scanArgs(), "--format", "json"]);
    expect(JSON.parse(json.stdout).findings.length).toBeGreaterThan(0);
    const csv = await cli([...scanArgs(), "--format", "csv"]);
    expect(csv.stdout.split("\r\n")[0]).toBe("severity,rule,cluster,resource,message,first_seen,waived,waiver_reason,waiver_expires");
    const html = await cli([...scanArgs(), "--format", "html"]);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).not.toContain(XSS_NAME);
  });
});

describe("report output", () => {
  it("report --help lists the filters each report applies", async () => {
    const r = await cli(["report", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}exhaustion {2}tables subnets, clusters +--cluster --severity$/m);
    expect(r.stdout).toMatch(/^ {2}findings {4}tables findings +--cluster --severity --rule --since$/m);
  });

  it("--table prints one table of a report: one header row for a spreadsheet", async () => {
    const r = await cli(["report", "exhaustion", "--format", "csv", "--table", "clusters", "--storage", storage]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\r\n");
    expect(lines[0]).toBe("cluster,status,mode,nodes,nncs,requested,assigned,stale_data_from");
    expect(lines).not.toContain("");
    const bad = await cli(["report", "exhaustion", "--format", "csv", "--table", "nodes", "--storage", storage]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('fleet-audit: the exhaustion report has no table "nodes"; it has subnets, clusters');
  });

  it("--table without --format is CSV when piped and a table on a terminal, never the JSON it cannot pick from", async () => {
    const piped = await cli(["report", "exhaustion", "--table", "subnets", "--storage", storage]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout.split("\r\n")[0]).toMatch(/^subnet,mode,clusters,/);
    const tty = await cli(["report", "exhaustion", "--table", "clusters", "--storage", storage], { tty: true, columns: 160, env: { NO_COLOR: "1" } });
    expect(tty.code, tty.stderr).toBe(0);
    expect(tty.stdout).toMatch(/CLUSTER +STATUS/);
    expect(tty.stdout).not.toMatch(/CIDR/);
  });

  it("refuses a filter the report does not apply (exit 2, one line)", async () => {
    const r = await cli(["report", "exhaustion", "--rule", "IPX001", "--storage", storage]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("fleet-audit: the exhaustion report cannot be filtered by rule; it takes cluster, severity");
    expect(r.stdout).toBe("");
  });

  it("defaults to a coloured table on a terminal and to JSON when piped", async () => {
    const tty = await cli(["report", "findings", "--storage", storage], { tty: true, columns: 160 });
    expect(tty.code).toBe(0);
    expect(tty.stdout).toMatch(/SEVERITY.*RULE.*CLUSTER/);
    expect(tty.stdout).toMatch(/\u001b\[31mcritical/);
    const piped = await cli(["report", "findings", "--storage", storage]);
    expect(JSON.parse(piped.stdout).findings.length).toBeGreaterThan(0);
    const noColor = await cli(["report", "findings", "--storage", storage], { tty: true, env: { NO_COLOR: "1" } });
    expect(noColor.stdout).toMatch(/SEVERITY/);
    expect(noColor.stdout).not.toMatch(ANSI);
    // colour is for tables only: JSON on a terminal stays clean
    const jsonTty = await cli(["report", "findings", "--format", "json", "--storage", storage], { tty: true });
    expect(jsonTty.stdout).not.toMatch(ANSI);
  });

  it("fits tables to the terminal width", async () => {
    for (const columns of [80, 120]) {
      for (const kind of ["findings", "exhaustion", "compliance"]) {
        const r = await cli(["report", kind, "--format", "table", "--storage", storage], { tty: true, columns, env: { NO_COLOR: "1" } });
        const widest = Math.max(...r.stdout.split("\n").map((l) => l.trimEnd().length));
        expect(widest, `${kind} at ${columns}`).toBeLessThanOrEqual(columns);
      }
    }
  });

  it("renders every report kind in every format", async () => {
    for (const kind of ["findings", "exhaustion", "drift", "health", "compliance"]) {
      for (const format of FORMATS) {
        const r = await cli(["report", kind, "--format", format, "--storage", storage]);
        if (format === "sarif" && r.code === 2) {
          expect(r.stderr).toMatch(/sarif/);
          continue;
        }
        expect(r.code, `${kind} ${format}: ${r.stderr}`).toBe(0);
        expect(r.stdout.length).toBeGreaterThan(20);
      }
    }
  });

  it("writes CSV a spreadsheet cannot run, for hostile cluster names", async () => {
    for (const kind of ["findings", "exhaustion", "compliance", "health"]) {
      const r = await cli(["report", kind, "--format", "csv", "--storage", storage]);
      expect(r.code).toBe(0);
      expect(r.stdout, kind).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
      expect(r.stdout).not.toMatch(/(^|,)"?=/m);
    }
    const one = await cli(["report", "findings", "--format", "csv", "--cluster", FORMULA_NAME, "--storage", storage]);
    expect(one.stdout.trim().split("\r\n").length).toBeGreaterThan(1);
  });

  it("takes --cluster as a name or a pattern with *, and exits 2 for one that matches no cluster", async () => {
    const all = JSON.parse((await cli(["report", "exhaustion", "--format", "json", "--storage", storage])).stdout).clusters.map((c: { cluster: string }) => c.cluster);
    const some = await cli(["report", "exhaustion", "--format", "json", "--cluster", "*HYPERLINK*", "--storage", storage]);
    expect(some.code, some.stderr).toBe(0);
    expect(JSON.parse(some.stdout).clusters.map((c: { cluster: string }) => c.cluster)).toEqual([FORMULA_NAME]);
    expect(all.length).toBeGreaterThan(1);
    // --fail-on looks only at the clusters the pattern matches.
    expect((await cli(["report", "findings", "--format", "json", "--cluster", "*HYPERLINK*", "--fail-on", "info", "--storage", storage])).code).toBe(3);
    for (const [value, message] of [["aks-nope", 'unknown cluster "aks-nope"'], ["zzz-*", 'no cluster matches "zzz-*"']]) {
      const r = await cli(["report", "findings", "--cluster", value!, "--storage", storage]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`fleet-audit: ${message}`);
      expect(r.stdout).toBe("");
    }
  });

  it("takes the report kind, --format, --table, --severity and --fail-on in any case", async () => {
    const r = await cli(["report", "findings", "--format", "JSON", "--severity", "Critical", "--fail-on", "Critical", "--storage", storage]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^fleet-audit: --fail-on critical: \d+ unwaived finding/);
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.length).toBeGreaterThan(0);
    expect(doc.findings.every((f: { severity: string }) => f.severity === "critical")).toBe(true);
    const csv = await cli(["report", "exhaustion", "--format", "CSV", "--table", "subnets", "--storage", storage]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toMatch(/^subnet,mode,/);
    // The report kind and --table too; what is unknown in any case still lists what there is.
    const kind = await cli(["report", "Exhaustion", "--table", "Clusters", "--storage", storage]);
    expect(kind.code, kind.stderr).toBe(0);
    expect(kind.stdout).toMatch(/^cluster,status,mode,/);
    const unknown = await cli(["report", "Exhaust", "--storage", storage]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe('fleet-audit: unknown report "Exhaust"; known: findings, exhaustion, drift, health, compliance');
  });

  it("rejects a bad --format with a one-line reason and exit 2", async () => {
    const r = await cli(["report", "findings", "--format", "xml", "--storage", storage]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format.*xml|xml.*--format/);
    const s = await cli([...scanArgs(), "--format", "xml"]);
    expect(s.code).toBe(2);
  });

  it("names a bad FLEET_AUDIT_PARSE_WORKERS before scanning anything", async () => {
    const r = await cli(scanArgs(), { env: { FLEET_AUDIT_PARSE_WORKERS: "many" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('FLEET_AUDIT_PARSE_WORKERS must be a whole number from 0 to 16, not "many"');
    expect(r.stdout).toBe("");
  });
});

describe("help", () => {
  const commands = buildProgram({ stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: ".", stopSignal: Promise.resolve() }).commands.map((c) => c.name()).filter((n) => n !== "help");

  it("covers every command", () => {
    expect(commands).toEqual(expect.arrayContaining(["scan", "report", "serve", "sim", "demo"]));
  });

  for (const name of ["(root)", "scan", "report", "serve", "sim", "demo"]) {
    it(`${name} --help shows usage and examples`, async () => {
      const r = await cli(name === "(root)" ? ["--help"] : [name, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: fleet-audit/);
      expect(r.stdout).toMatch(/\nExamples:\n {2}(fleet-audit|npm start)/);
    });
  }

  it("exits 0 for help asked for, and 2 (usage on stderr) for a missing or unknown command", async () => {
    for (const argv of [["--help"], ["help"], ["help", "scan"]]) expect((await cli(argv)).code, argv.join(" ")).toBe(0);
    for (const argv of [[], ["help", "bogus"], ["bogus"]]) {
      const r = await cli(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/Usage: fleet-audit|unknown command/);
    }
  });

  it("documents --format on report and scan", async () => {
    for (const c of ["report", "scan"]) {
      const r = await cli([c, "--help"]);
      expect(r.stdout).toMatch(/--format <format>/);
      for (const f of ["json", "csv", "md", "html"]) expect(r.stdout).toContain(`"${f}"`);
    }
  });
});
