// Seeded pseudo-random numbers. Library code never calls Math.random: every
// random draw takes an explicit Rng so runs are reproducible and resumable.
// Generator: xoshiro128** (Blackman & Vigna, 2018), seeded by splitmix32.

export interface RngState {
  readonly s: readonly [number, number, number, number];
  readonly spare: number | null;
}

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
  /** Box–Muller yields normals in pairs; the second is kept for the next call. */
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

  /** Standard normal draw (Box–Muller). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u1 = this.uniformOpen();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
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
    // Each pair takes three (rarely more) 53-bit uniforms of two 32-bit draws each, as uniformOpen()
    // and uniform() would: xoshiro128** steps written out, with the state in locals.
    let u1 = 0;
    let u2 = 0;
    for (; i < n; i += 2) {
      for (let k = 0; k < 2; k++) {
        let u = 0;
        do {
          let r = Math.imul(s1, 5);
          let w = Math.imul((r << 7) | (r >>> 25), 9);
          let t = s1 << 9;
          s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
          const hi = w >>> 5;
          r = Math.imul(s1, 5);
          w = Math.imul((r << 7) | (r >>> 25), 9);
          t = s1 << 9;
          s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
          u = (hi * 67108864 + (w >>> 6)) / 9007199254740992;
        } while (k === 0 && u === 0);
        if (k === 0) u1 = u;
        else u2 = u;
      }
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = r * Math.cos(2 * Math.PI * u2);
      const second = r * Math.sin(2 * Math.PI * u2);
      if (i + 1 < n) out[i + 1] = second;
      else this.spare = second;
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
