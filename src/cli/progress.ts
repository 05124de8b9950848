// Scan progress on stderr: a live bar (clusters done / total, failures so far) when stderr is a
// terminal, with each failing cluster logged above it; one plain line per cluster otherwise, so logs
// and pipes get text, not cursor movement.
import cliProgress from "cli-progress";
import { scanFailed, type SnapshotSummary } from "../model/snapshot.js";
import { displaySafe } from "../display-safe.js";
import { colours } from "../reports/formats/text.js";
import { type CliIO, useColor } from "./io.js";

export interface ScanProgress {
  cluster(summary: SnapshotSummary, done: number, total: number): void;
  /** Ends the bar (idempotent); call before printing anything else. */
  stop(): void;
}

function describe(s: SnapshotSummary): string {
  return `${displaySafe(s.cluster)}: ${s.status}${s.reason ? ` (${displaySafe(s.reason)})` : ""}`;
}


export function scanProgress(io: CliIO, total: number): ScanProgress {
  if (io.stderr.isTTY !== true || total === 0) {
    return {
      cluster: (s, done, n) => io.stderr.write(`[${done}/${n}] ${describe(s)}\n`),
      stop: () => {},
    };
  }
  const color = useColor(io, "stderr");
  const paint = (f: (s: string) => string, s: string) => (color ? f(s) : s);
  const multi = new cliProgress.MultiBar(
    {
      // cli-progress writes through readline's cursor helpers, which only need write().
      stream: io.stderr as unknown as NodeJS.WritableStream,
      format: `Scanning {bar} {value}/{total} clusters | {failures} | {last}`,
      barCompleteChar: "█",
      barIncompleteChar: "░",
      barsize: 24,
      hideCursor: false,
      gracefulExit: false,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let failures = 0;
  const failuresText = () => (failures ? paint(colours.red, `${failures} failed`) : "0 failed");
  const bar = multi.create(total, 0, { failures: failuresText(), last: "" });
  let stopped = false;
  return {
    cluster(s, done) {
      if (scanFailed(s.status)) {
        failures++;
        multi.log(`${paint(colours.red, "✗")} ${describe(s)}\n`);
      }
      bar.update(done, { failures: failuresText(), last: displaySafe(s.cluster).slice(0, 40) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.update(); // flush logged failures before the final frame
      multi.stop();
    },
  };
}
