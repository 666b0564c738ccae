// Seeded pseudo-random numbers. Library code never calls Math.random: every
// random draw takes an explicit Rng so runs are reproducible and resumable.
// Generator: xoshiro128** (Blackman & Vigna, 2018), seeded by splitmix32; normals by the
// ziggurat method (Marsaglia & Tsang, J. Stat. Softw. 5(8), 2000).

export interface RngState {
  readonly s: readonly [number, number, number, number];
  readonly spare: number | null;
}

// Ziggurat for the standard normal: f(x) = exp(−x²/2) on x ≥ 0 covered by ZIG_N strips of equal
// area ZIG_V. Strip i ≥ 1 is the box [0, x_i] × [f(x_i), f(x_{i+1})], so its part left of x_{i+1}
// lies under f; strip 0 is [0, x_0] × [0, f(r)] with x_0 = V/f(r), whose part right of x_1 = r
// stands for the tail beyond r. r and V are the paper's for 256 strips (they make the top strip
// end at height 1 to 2e-11).
const ZIG_N = 256;
const ZIG_R = 3.6541528853610088;
const ZIG_V = 4.92867323399e-3;
/** Strip widths x_0 … x_N (x_N = 0). */
const ZIG_X = new Float64Array(ZIG_N + 1);
/** f(x_i): the strips' lower edges, rising with i. */
const ZIG_F = new Float64Array(ZIG_N + 1);
/** x_{i+1}/x_i: a uniform u below it puts u·x_i under f at once (98.5% of draws, averaged over strips). */
const ZIG_K = new Float64Array(ZIG_N);
{
  const f = (x: number): number => Math.exp(-0.5 * x * x);
  ZIG_X[0] = ZIG_V / f(ZIG_R);
  ZIG_X[1] = ZIG_R;
  for (let i = 1; i < ZIG_N - 1; i++) ZIG_X[i + 1] = Math.sqrt(-2 * Math.log(f(ZIG_X[i]!) + ZIG_V / ZIG_X[i]!));
  ZIG_X[ZIG_N] = 0;
  for (let i = 0; i <= ZIG_N; i++) ZIG_F[i] = i === 0 ? 0 : f(ZIG_X[i]!);
  for (let i = 0; i < ZIG_N; i++) ZIG_K[i] = ZIG_X[i + 1]! / ZIG_X[i]!;
}
/** 2⁻⁵³: a draw's top 21 bits and a second draw make a 53-bit uniform in [0, 1), exact in a double. */
const TWO_M53 = 2 ** -53;

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  /**
   * The four state words. NOTE: a typed array, not number fields: uint32 values above 2^30 are not
   * small integers to V8, so fields would be boxed doubles and every draw ~10× slower.
   */
  private readonly st = new Uint32Array(4);
  /**
   * A normal still owed from the Box–Muller pairs of earlier versions: a restored state may hold
   * one, which the next draw returns. Ziggurat draws never leave one.
   */
  private spare: number | null = null;

  constructor(seed = 0) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number (got ${seed})`);
    const sm = splitmix32(Math.floor(seed));
    for (let i = 0; i < 4; i++) this.st[i] = sm();
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const st = this.st;
    const s0 = st[0]!;
    const s1 = st[1]!;
    const s2 = st[2]! ^ s0;
    const s3 = st[3]! ^ s1;
    st[0] = s0 ^ s3;
    st[1] = s1 ^ s2;
    st[2] = s2 ^ (s1 << 9);
    st[3] = rotl(s3, 11);
    return Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in the open interval (0, 1): safe to take logs of. */
  uniformOpen(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return u;
  }

  /** Standard normal draw by the ziggurat (see ziggurat). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const a = this.nextUint32();
    return this.ziggurat(a, this.nextUint32());
  }

  /**
   * A ziggurat draw from two 32-bit draws: `a` gives the strip (8 bits) and the sign (1 bit), its
   * top 21 bits and `b` a 53-bit uniform u. u·x_i is the normal when it falls in the strip's inner
   * box; else strip 0 samples the tail beyond r (Marsaglia's method: x = −ln U₁/r until
   * −2 ln U₂ > x², then r + x) and the others take the wedge test y < f(u·x_i) for y uniform on the
   * strip's height, a rejected point starting over with fresh draws (≈ 1.5% of draws get past the box).
   */
  private ziggurat(a: number, b: number): number {
    for (;;) {
      const i = a & 255;
      const u = ((a >>> 11) * 4294967296 + b) * TWO_M53;
      let x = u * ZIG_X[i]!;
      if (u < ZIG_K[i]!) return a & 256 ? -x : x;
      if (i === 0) {
        let y: number;
        do {
          x = -Math.log(1 - this.uniform()) / ZIG_R;
          y = -Math.log(1 - this.uniform());
        } while (2 * y <= x * x);
        x += ZIG_R;
        return a & 256 ? -x : x;
      }
      if (ZIG_F[i]! + this.uniform() * (ZIG_F[i + 1]! - ZIG_F[i]!) < Math.exp(-0.5 * x * x)) return a & 256 ? -x : x;
      a = this.nextUint32();
      b = this.nextUint32();
    }
  }

  /**
   * out[i] = normal() for each i in order: the same draws and the same state afterwards, with
   * xoshiro's state in locals (int32, so V8 keeps it unboxed) instead of the array per draw.
   */
  fillNormal(out: { length: number; [i: number]: number }): void {
    const n = out.length;
    let i = 0;
    if (n > 0 && this.spare !== null) {
      out[i++] = this.spare;
      this.spare = null;
    }
    const st = this.st;
    let s0 = st[0]! | 0;
    let s1 = st[1]! | 0;
    let s2 = st[2]! | 0;
    let s3 = st[3]! | 0;
    for (; i < n; i++) {
      // Two xoshiro128** steps written out (as nextUint32), state in locals.
      let r = Math.imul(s1, 5);
      const a = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
      let t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      r = Math.imul(s1, 5);
      const b = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
      t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      const k = a & 255;
      const u = ((a >>> 11) * 4294967296 + b) * TWO_M53;
      if (u < ZIG_K[k]!) {
        out[i] = a & 256 ? -u * ZIG_X[k]! : u * ZIG_X[k]!;
        continue;
      }
      // The rare edge: through the state array, then back into locals.
      st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
      out[i] = this.ziggurat(a, b);
      s0 = st[0]! | 0; s1 = st[1]! | 0; s2 = st[2]! | 0; s3 = st[3]! | 0;
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`Rng.int: n must be a positive integer (got ${n})`);
    return Math.floor(this.uniform() * n);
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  /** A new generator whose stream is independent of this one's future draws. */
  split(): Rng {
    return new Rng(this.nextUint32() ^ Math.imul(this.nextUint32(), 0x9e3779b1));
  }

  /** Snapshot of the full state, for bit-exact checkpoint resume. */
  getState(): RngState {
    return { s: [this.st[0]!, this.st[1]!, this.st[2]!, this.st[3]!], spare: this.spare };
  }

  setState(state: RngState): void {
    this.st.set(state.s);
    this.spare = state.spare;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
