// Waiting on work that cannot itself be cancelled (an SDK call, an authenticator) only until a signal
// aborts: the cluster deadline holds for every step, not only for the requests that take a signal.

/**
 * `work`'s outcome, or `error()` as soon as `signal` aborts, whichever comes first. The work goes on
 * behind: stop it where it can be stopped (the exec plugin is killed through the same signal).
 */
export function beforeAbort<T>(work: Promise<T>, signal: AbortSignal, error: () => Error): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {}); // its outcome no longer matters
    return Promise.reject(error());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(error());
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
