/**
 * The one seeded pseudo-random generator used by everything that draws random numbers.
 *
 * Algorithm: xoshiro128** 1.1 (Blackman & Vigna 2018), 128-bit state in four 32-bit words, period
 * 2^128 − 1. The state is filled from the 32-bit seed (and an optional stream number) by
 * SplitMix32-style mixing, so (seed, stream) pairs give unrelated sequences; ensembles use one
 * stream per replica, which is why results do not depend on how replicas are spread over workers.
 *
 * Uniforms in [0, 1) take 53 random bits from two outputs. Standard normals use the Marsaglia
 * polar method (exact, rejection-based; the second value of each pair is kept for the next call).
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = 0;
  private hasSpare = false;
  readonly seed: number;
  readonly stream: number;

  constructor(seed: number, stream = 0) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`rng: seed must be an integer in [0, 4294967295] (got ${seed})`);
    }
    if (!Number.isInteger(stream) || stream < 0 || stream > 0xffffffff) {
      throw new RangeError(`rng: stream must be an integer in [0, 4294967295] (got ${stream})`);
    }
    this.seed = seed;
    this.stream = stream;
    // Two SplitMix32 sequences (one from the seed, one from the stream number) XORed word by word.
    const seedWords = splitMix32Words(seed);
    const streamWords = splitMix32Words((stream ^ 0x6a09e667) >>> 0);
    this.s0 = (seedWords[0] ^ streamWords[0]) >>> 0;
    this.s1 = (seedWords[1] ^ streamWords[1]) >>> 0;
    this.s2 = (seedWords[2] ^ streamWords[2]) >>> 0;
    this.s3 = (seedWords[3] ^ streamWords[3]) >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned output of xoshiro128**. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal N(0, 1). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }

  /** Fill `out` with independent standard normals. */
  fillNormal(out: Float64Array, scale = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = scale * this.normal();
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

/** Four outputs of SplitMix32 (a 32-bit variant of the SplitMix64 finaliser) started at x. */
function splitMix32Words(x: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    out.push((z ^ (z >>> 16)) >>> 0);
  }
  return out;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
