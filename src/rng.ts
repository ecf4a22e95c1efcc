/**
 * The one seeded pseudo-random generator used by everything that draws random numbers.
 *
 * Algorithm: xoshiro128** 1.1 (Blackman & Vigna 2018), 128-bit state in four 32-bit words, period
 * 2^128 − 1. The state is filled from the 32-bit seed (and an optional stream number) by
 * SplitMix32-style mixing, so (seed, stream) pairs give unrelated sequences; ensembles use one
 * stream per replica, which is why results do not depend on how replicas are spread over workers.
 *
 * Two substreams per (seed, stream):
 * - scalar: `nextUint32`, `uniform` (53 random bits from two outputs), `int`, and `normal` (the
 *   Marsaglia polar method: exact, rejection-based, the second value of each pair kept for the next
 *   call) advance the generator itself. For the places that draw a few numbers.
 * - bulk normals (`fillNormal`, `addNormal`; version `NORMAL_SAMPLER` = 'ziggurat-wasm-1', recorded
 *   in every output's provenance): the ziggurat kernel of src/ziggurat.ts, run by five further
 *   xoshiro128** generators whose states are the generator's starting state advanced by j·2^64
 *   steps (the published jump polynomial), j = 1..4 for the four SIMD lanes and j = 5 for the
 *   slow path. Those segments never overlap the scalar one (nor each other) for 2^64 outputs, so
 *   the two substreams are independent and each is a fixed sequence: the bulk normals do not
 *   depend on the scalar draws interleaved with them, nor on how requests are split.
 */
import { ZigguratStream } from './ziggurat.ts';

export { NORMAL_SAMPLER } from './ziggurat.ts';

/** xoshiro128** JUMP: the state after 2^64 steps is the XOR of the states after the set bits' steps. */
const JUMP = [0x8764000b, 0xf542d2d3, 0x6fa035c3, 0x77f2db5b];

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = 0;
  private hasSpare = false;
  private bulk: ZigguratStream | null = null;
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

  /**
   * out[k] = scale·g_k for k in [start, end), g the next standard normals of the bulk stream
   * (module doc). Throws a RangeError unless 0 ≤ start ≤ end ≤ out.length (integers).
   */
  fillNormal(out: Float64Array, scale = 1, start = 0, end = out.length): void {
    checkRange(out, start, end);
    this.bulkStream().fill(out, scale, start, end, false);
  }

  /** out[k] += scale·g_k for k in [start, end), from the bulk stream (as `fillNormal`). */
  addNormal(out: Float64Array | Float32Array, scale: number, start = 0, end = out.length): void {
    checkRange(out, start, end);
    this.bulkStream().fill(out, scale, start, end, true);
  }

  /** Advances the scalar generator by 2^64 steps (xoshiro128** jump). */
  jump(): void {
    let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    for (const word of JUMP) {
      for (let bit = 0; bit < 32; bit++) {
        if (word & (1 << bit)) {
          t0 ^= this.s0;
          t1 ^= this.s1;
          t2 ^= this.s2;
          t3 ^= this.s3;
        }
        this.nextUint32();
      }
    }
    this.s0 = t0 >>> 0;
    this.s1 = t1 >>> 0;
    this.s2 = t2 >>> 0;
    this.s3 = t3 >>> 0;
  }

  /** The bulk stream, set up on first use from the starting state of (seed, stream) (module doc). */
  private bulkStream(): ZigguratStream {
    if (this.bulk) return this.bulk;
    const g = new Rng(this.seed, this.stream);
    const lanes = new Uint32Array(16); // word w of lane L at 4w + L
    for (let lane = 0; lane < 4; lane++) {
      g.jump();
      lanes[lane] = g.s0;
      lanes[4 + lane] = g.s1;
      lanes[8 + lane] = g.s2;
      lanes[12 + lane] = g.s3;
    }
    g.jump();
    this.bulk = new ZigguratStream(lanes, g);
    return this.bulk;
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

function checkRange(out: Float64Array | Float32Array, start: number, end: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > out.length) {
    throw new RangeError(`rng: normals range [start, end) must satisfy 0 <= start <= end <= ${out.length} (got [${start}, ${end}))`);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
