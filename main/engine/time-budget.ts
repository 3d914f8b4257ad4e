/**
 * The clock of a run with a time budget (`config.timeBudgetSeconds`). The trainer asks it how
 * far into the budget the run is (the learning-rate schedule's progress), how many steps are
 * left (re-planned after every step from the measured step rate and validation time), and when
 * to end: the last step is the one after which the rest of the budget would only hold the
 * final validation. Spent time survives pause/resume through the checkpoint (`budget` in
 * TrainerState); time a run lies paused is never counted.
 */
import type { TrainingConfig } from '../../shared/training/config';
import type { TrainerState } from '../../shared/training/state';

export type BudgetState = NonNullable<TrainerState['budget']>;

/** The clock of a run whose config has a time budget; null without one. */
export function budgetClockFor(
  config: Pick<TrainingConfig, 'timeBudgetSeconds' | 'validationShare'>,
): BudgetClock | null {
  const seconds = config.timeBudgetSeconds;
  return seconds ? new BudgetClock(seconds, undefined, config.validationShare) : null;
}

export class BudgetClock {
  private base = 0;
  private startedAt: number | null = null;
  private endedValue = false;
  private validationSeconds: number | null = null;
  private stepSum = 0;
  private stepCount = 0;
  private sessionSteps = 0;

  constructor(
    readonly budgetSeconds: number,
    private readonly now: () => number = () => performance.now(),
    /** config.validationShare: validations then cost at most this share of the time. */
    private readonly validationShare: number | null = null,
  ) {}

  get ended(): boolean {
    return this.endedValue;
  }

  /** Continues from a checkpoint's budget state (a new process: nothing of it is running). */
  restore(saved: BudgetState): void {
    this.base = saved.elapsedSeconds;
    this.endedValue = saved.ended;
    this.validationSeconds = saved.validationSeconds;
    this.startedAt = null;
  }

  /** Called as each step begins: the session's clock starts with its first step. */
  stepStarted(): void {
    this.startedAt ??= this.now();
  }

  /** Seconds of the budget spent, this session included. */
  elapsedSeconds(): number {
    return this.base + (this.startedAt === null ? 0 : (this.now() - this.startedAt) / 1000);
  }

  /**
   * Records a finished step and says whether the budget is now spent (`shouldEnd`). The first
   * step of each session is left out of the rate (kernel set-up and cold caches make it
   * several times slower than the rest).
   */
  stepEnded(seconds: number): boolean {
    this.sessionSteps += 1;
    if (this.sessionSteps > 1) {
      this.stepSum += seconds;
      this.stepCount += 1;
    }
    return this.shouldEnd();
  }

  validationEnded(seconds: number): void {
    this.validationSeconds = seconds;
  }

  /** Seconds of the budget for steps: the last validation's duration is kept back for the final one. */
  private trainingSeconds(): number {
    return Math.max(1e-6, this.budgetSeconds - (this.validationSeconds ?? 0));
  }

  /** Fraction of the training part of the budget spent, in [0, 1]: the LR schedule's progress. */
  progress(): number {
    return Math.min(1, this.elapsedSeconds() / this.trainingSeconds());
  }

  private meanStepSeconds(): number | null {
    return this.stepCount > 0 ? this.stepSum / this.stepCount : null;
  }

  /**
   * Decides after a step whether it was the last: true once less than half a step of the
   * training part of the budget is left. Sticky.
   */
  shouldEnd(): boolean {
    if (this.endedValue) return true;
    const half = (this.meanStepSeconds() ?? 0) / 2;
    if (this.elapsedSeconds() + half >= this.trainingSeconds()) this.endedValue = true;
    return this.endedValue;
  }

  /**
   * Planned optimizer steps of the whole run: the steps done plus those the rest of the budget
   * holds at the measured rate, validations (one per epoch, or within `validationShare`)
   * included; at most `cap`. Before
   * any step was measured: one more epoch.
   */
  plannedSteps(globalStep: number, stepsPerEpoch: number, cap: number): number {
    if (this.endedValue) return globalStep;
    const step = this.meanStepSeconds();
    if (step === null) return Math.min(cap, globalStep + stepsPerEpoch);
    const share = this.validationShare;
    const everyEpoch = (this.validationSeconds ?? 0) / stepsPerEpoch;
    const validation =
      share === null ? everyEpoch : Math.min(everyEpoch, (step * share) / (1 - share || 1e-6));
    const perStep = step + validation;
    const left = Math.max(0, this.trainingSeconds() - this.elapsedSeconds());
    return Math.min(cap, globalStep + Math.max(1, Math.round(left / perStep)));
  }

  state(): BudgetState {
    return {
      elapsedSeconds: this.elapsedSeconds(),
      ended: this.endedValue,
      validationSeconds: this.validationSeconds,
    };
  }
}
