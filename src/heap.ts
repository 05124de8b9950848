// A scan reads hundreds of MB of list pages and keeps little of them: ~60 MB stays live at 200
// clusters × 250 nodes. V8 by default lets the old generation grow to several times what survived the
// last full GC before it collects again, so the peak RSS followed the garbage, not the live data
// (~390 MB at 100×250 against ~290 MB when the heap grows by 1.5× at a time). The tighter heap costs
// GC time: ~7 % of a 100×250 scan, and ~10 % of a 10-cluster one, whose heap stays small anyway. So
// only a scan of a fleet that is not small asks for it, before collecting (set later, once the heap is
// big, it came too late to help). V8 flags are per process: the scan command and the bench call this.
import { setFlagsFromString } from "node:v8";

/** Fleets smaller than this keep V8's default heap growth. */
const SMALL_FLEET = 25;

export function sizeHeapFor(clusters: number): void {
  if (clusters >= SMALL_FLEET) setFlagsFromString("--heap-growing-percent=50");
}
