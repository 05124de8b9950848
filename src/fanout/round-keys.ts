// Partitions and row keys of table `rounds` (the layout is described in rounds.ts).
export const HEADER = "round";
export const REJECTED = "rejected";
/** One row per round (RK = scanRowKey): what the sweep lists instead of every round partition. */
export const INDEX = "rounds";
/** In INDEX, after every scan row key: rounds registered before the index were indexed once. */
export const LEGACY_INDEXED = "~legacy-indexed";
/** Round partitions are scan row keys (digits first): all sort below this, `rejected` and `rounds` above. */
export const ROUND_PARTITIONS_END = ":";
