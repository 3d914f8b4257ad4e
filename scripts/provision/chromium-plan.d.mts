/** Types for chromium-plan.mjs (the scripts are plain ESM; the tests are TypeScript). */
export declare const DEFAULT_CHROMIUM: string;
export declare const APT_COMMAND: string;
export declare function chromiumTarget(env?: Record<string, string | undefined>): {
  path: string;
  fromEnv: boolean;
};
export type ChromiumPlan =
  { action: 'run' } | { action: 'install' } | { action: 'stop'; message: string };
export declare function planChromium(facts: {
  path: string;
  fromEnv: boolean;
  present: boolean;
  isRoot: boolean;
  hasAptGet: boolean;
}): ChromiumPlan;
