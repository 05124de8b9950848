// Clean-ups that must run when a signal arrives (children that would outlive us), without deciding
// how the process ends. A listener disables Node's default action (dying of the signal), so one shared
// listener per signal runs them all and, when nobody else listens (a command's clean stop), restores
// that default by re-raising; per-module listeners would each see the other and none would re-raise.
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Told whether another listener handles the signal (and ends the process when it is done). */
export type SignalHook = (handledElsewhere: boolean) => void;

const hooks = new Set<SignalHook>();
let installed = false;

/** Runs `hook` on each SIGINT, SIGTERM and SIGHUP. */
export function onSignal(hook: SignalHook): void {
  hooks.add(hook);
  if (installed) return;
  installed = true;
  for (const sig of SIGNALS) {
    const listener = (): void => {
      const handledElsewhere = process.listenerCount(sig) > 1;
      for (const h of hooks) h(handledElsewhere);
      if (handledElsewhere) return;
      process.removeListener(sig, listener);
      process.kill(process.pid, sig);
    };
    process.on(sig, listener);
  }
}
