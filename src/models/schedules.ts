// KL warm-up schedules: the factor in [0, 1] that multiplies β at a given
// optimizer step. Linear annealing (Bowman et al. 2016) and cyclical
// annealing (Fu et al. 2019), with lengths stated in epochs or in steps.

export interface LinearWarmup {
  readonly kind: 'linear';
  /** Ramp length in epochs (needs stepsPerEpoch) ... */
  readonly epochs?: number;
  /** ... or in optimizer steps. Exactly one of epochs/steps. */
  readonly steps?: number;
}

export interface CyclicalWarmup {
  readonly kind: 'cyclical';
  /** Length of one cycle in epochs ... */
  readonly epochs?: number;
  /** ... or in steps. Exactly one of epochs/steps. */
  readonly steps?: number;
  /** Fraction R of each cycle spent ramping up from 0 to 1 (default 0.5, as in Fu et al.). */
  readonly ratio?: number;
  /** Number of cycles M, after which the factor stays at 1 (default: cycle forever). */
  readonly cycles?: number;
}

export type WarmupSchedule = LinearWarmup | CyclicalWarmup;

function lengthInSteps(s: WarmupSchedule, stepsPerEpoch: number): number {
  if (s.epochs !== undefined) return s.epochs * stepsPerEpoch;
  return s.steps!;
}

/** Throws unless the schedule is well formed; returns it with defaults filled in (JSON-safe). */
export function checkWarmup(s: unknown, who = 'warmup'): WarmupSchedule {
  if (typeof s !== 'object' || s === null) throw new Error(`${who}: expected {kind: 'linear'|'cyclical', epochs or steps}, got ${JSON.stringify(s)}`);
  const o = s as Record<string, unknown>;
  if (o.kind !== 'linear' && o.kind !== 'cyclical') throw new Error(`${who}: kind must be 'linear' or 'cyclical' (got ${JSON.stringify(o.kind)})`);
  const epochs = o.epochs ?? undefined;
  const steps = o.steps ?? undefined;
  if ((epochs === undefined) === (steps === undefined)) throw new Error(`${who}: give exactly one of epochs and steps (got ${JSON.stringify(s)})`);
  const len = (epochs ?? steps) as unknown;
  if (typeof len !== 'number' || !(len > 0) || !Number.isFinite(len)) throw new Error(`${who}: length must be a positive number (got ${JSON.stringify(len)})`);
  const base = epochs !== undefined ? { epochs: len } : { steps: len };
  if (o.kind === 'linear') return { kind: 'linear', ...base };
  const ratio = o.ratio ?? 0.5;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) throw new Error(`${who}: ratio must be in (0, 1] (got ${JSON.stringify(ratio)})`);
  const cycles = o.cycles ?? undefined;
  if (cycles !== undefined && (typeof cycles !== 'number' || !Number.isInteger(cycles) || cycles < 1)) {
    throw new Error(`${who}: cycles must be a positive integer (got ${JSON.stringify(cycles)})`);
  }
  return cycles === undefined ? { kind: 'cyclical', ...base, ratio } : { kind: 'cyclical', ...base, ratio, cycles };
}

/**
 * The warm-up factor at a 0-based step: linear min(1, t/T); cyclical
 * f(τ) = min(1, τ/R) with τ = (t mod P)/P (Fu et al. 2019). Factor 0 at step 0.
 */
export function warmupFactor(s: WarmupSchedule | null | undefined, step: number, stepsPerEpoch = 1): number {
  if (!s) return 1;
  if (s.epochs !== undefined && !(stepsPerEpoch > 0)) {
    throw new Error(`warmupFactor: a schedule in epochs needs stepsPerEpoch > 0 (got ${stepsPerEpoch})`);
  }
  const T = lengthInSteps(s, stepsPerEpoch);
  if (s.kind === 'linear') return Math.min(1, step / T);
  if (s.cycles !== undefined && step >= s.cycles * T) return 1;
  const tau = (step % T) / T;
  return Math.min(1, tau / (s.ratio ?? 0.5));
}
