// The first-run check's last answer, kept for the app's life. The check runs once at launch and
// again only when the user asks (Check again, a new port): coming back to the Catalog page shows
// the panel as it was, at once, so nothing below it moves under the user's pointer.
import type { ApiError } from "../bindings/ApiError";
import type { FirstRunView } from "../bindings/FirstRunView";
import { ipc } from "./ipc";

export const firstRun = $state<{ view: FirstRunView | null; checking: boolean; error: ApiError | null }>({
  view: null,
  checking: false,
  error: null,
});

let started: Promise<void> | null = null;

/** Runs the check unless it already ran (or runs) in this launch. */
export function checkFirstRunOnce(): Promise<void> {
  started ??= checkFirstRun();
  return started;
}

/** Runs the check now; its lines change in place. */
export async function checkFirstRun(): Promise<void> {
  firstRun.checking = true;
  try {
    firstRun.view = await ipc.firstRun();
    firstRun.error = null;
  } catch (e) {
    firstRun.error = e as ApiError;
  } finally {
    firstRun.checking = false;
  }
}

/** The user is done with the check: it is hidden now and not run at later launches. */
export async function finishFirstRun(): Promise<void> {
  try {
    await ipc.firstRunDone();
    if (firstRun.view) firstRun.view = { ...firstRun.view, done: true };
  } catch (e) {
    firstRun.error = e as ApiError;
  }
}
