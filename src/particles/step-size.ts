/**
 * De Bortoli, Durmus, Fontaine & Şimşekli's step sizes (NeurIPS 2020, "Quantitative propagation of
 * chaos for SGD in wide neural networks", eq. 2–4) in the project's time convention.
 *
 * Their SGD on the weights of N units, with ∇R̂^N carrying the 1/N of the network's output, is
 *
 *   W_{k+1} = W_k − γ N^β (k + γ_{α,β}(N)^{−1})^{−α} ∇R̂^N(W_k, X_k, Y_k),    (eq. 2)
 *   γ_{α,β}(N) = γ^{1/(1−α)} N^{(β−1)/(1−α)},
 *
 * and iteration k stands for time t = k γ_{α,β}(N) of the continuous dynamics (eq. 4). Per unit the
 * step is γ N^{β−1} (k + 1/γ_{α,β})^{−α} ∂ℓ ∇F (eq. 3), and since γ N^{β−1} = γ_{α,β}^{1−α},
 *
 *   γ N^{β−1} (k + 1/γ_{α,β})^{−α} = γ_{α,β} (k γ_{α,β} + 1)^{−α} = ε ξ(t),  ε = γ_{α,β}(N), ξ(t) = (t + 1)^{−α}.
 *
 * That is exactly MMN's step s_k = ε ξ(kε) (MMN eq. 3, 6) with t = kε: De Bortoli's (γ, α, β) at width N
 * is MMN's ε = γ_{α,β}(N) with the schedule {"kind": "power", "t0": 1, "alpha": α} (constant 1 for α = 0).
 * MMN's fixed ε, independent of N, is β = 1 with γ = ε^{1−α}: the regime whose limit is a McKean–Vlasov
 * diffusion with covariance (γ_{α,β}/M) Σ (De Bortoli eq. 6, 8); β < 1 sends ε → 0 as N grows, the
 * deterministic limit (eq. 7). Their horizon T is ⌊T/γ_{α,β}(N)⌋ iterations.
 */
import { ConfigError } from '../errors.ts';
import type { StepSchedule } from '../types.ts';

export interface DeBortoliStepSize {
  /** Base step γ > 0. */
  readonly gamma: number;
  /** Decay exponent α ∈ [0, 1) (0: constant steps). */
  readonly alpha: number;
  /** Width exponent β ∈ [0, 1] (1: the SGD-diffusion regime). */
  readonly beta: number;
}

/** γ_{α,β}(N) = γ^{1/(1−α)} N^{(β−1)/(1−α)}: the time one iteration stands for (eq. 2–4). */
export function deBortoliTimeStep(s: DeBortoliStepSize, n: number): number {
  return Math.pow(s.gamma, 1 / (1 - s.alpha)) * Math.pow(n, (s.beta - 1) / (1 - s.alpha));
}

/** The schedule ξ(t) = (t + 1)^{−α} that De Bortoli's decay becomes in time t. */
export function deBortoliSchedule(s: DeBortoliStepSize): StepSchedule {
  return s.alpha === 0 ? { kind: 'constant', value: 1 } : { kind: 'power', t0: 1, alpha: s.alpha };
}

/** Checks that the spec's ξ(t) is the one the step sizes imply (both engines read the same time). */
export function checkScheduleMatches(s: DeBortoliStepSize, schedule: StepSchedule, field = 'schedule'): void {
  const want = deBortoliSchedule(s);
  const same = want.kind === 'constant'
    ? schedule.kind === 'constant' && schedule.value === 1
    : schedule.kind === 'power' && schedule.t0 === 1 && schedule.alpha === want.alpha;
  if (!same) {
    throw new ConfigError(field, `particles.stepSize with alpha = ${s.alpha} means ξ(t) = ${s.alpha === 0 ? '1' : `(t + 1)^(−${s.alpha})`}: set "schedule": ${JSON.stringify(want)}`);
  }
}
