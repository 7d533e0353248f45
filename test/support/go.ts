import { goAvailable } from '../../tasks/plan-invalidations/go-toolchain.ts';

/** invalidation-flush runs the Go planner's binary: without Go the tests that flush skip (CI installs golang-go). */
export const HAS_GO = goAvailable();

/** A test name that says why it skipped, where Go is missing. */
export const withGo = (name: string): string => (HAS_GO ? name : `${name} (skipped: \`go\` is not on the PATH; install golang-go)`);
