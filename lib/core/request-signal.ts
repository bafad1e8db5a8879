/**
 * A request's abort signal, for requests the server serves without Next's router
 * (lib/api/direct-route.ts). The signal is kept here beside the Request rather than given to it:
 * undici's Request follows a signal it is given with one of its own (a listener and a weak
 * reference each), which was half of its construction time, and a change wakes thousands of
 * polls at once. Any other request (Next's, a test's) carries its signal itself.
 */
const signals = new WeakMap<Request, AbortSignal>();

/** Gives a request the signal that aborts when its client goes away. */
export function keepAbortSignal(req: Request, signal: AbortSignal): void {
  signals.set(req, signal);
}

/** What aborts when the request's client goes away: a held poll ends on it. */
export function abortSignalOf(req: Request): AbortSignal {
  return signals.get(req) ?? req.signal;
}
