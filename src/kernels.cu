// fg's fused CUDA kernels for the training step, compiled at run time by NVRTC (src/torch_cuda.cpp
// passes this text, with -DHEAD_DIM, for the GPU it runs on) and wrapped as differentiable ops there.
// Each replaces a chain of libtorch kernels that read and wrote the same activations several times:
//
// - qkv_prep_*: the fused q/k/v projection's output → q and k RMS-normed over head_dim (weights as
//   stored) and rotated (NEOX RoPE, f32 tables), v copied out; and the gradient of all three back
//   into one tensor shaped like the projection's output. One warp per (token, head).
// - geglu_*: the fused gate/up projection's output → gelu_tanh(gate) · up, and its gradient back
//   into one tensor shaped like the projection's output. Four elements per thread.
// - junction_*: where a layer's attention or MLP output joins the residual stream: the post-norm,
//   the residual add and the next pre-norm (y = x + norm(o)·w_post, n = norm(y)·w_pre) in one
//   kernel, and their gradient in one (the residual's gradient needs no separate sum). One warp per
//   row of HIDDEN.
// - xent_rows: the tied head's cross-entropy at labelled positions: each row's loss, and the row
//   overwritten by its gradient (softmax − one-hot), two passes over bf16 logits where libtorch's
//   ops made f32 copies and passed over them six times. One block per row.
//
// bf16 in and out, f32 arithmetic inside, one rounding per output. No headers: bf16 is handled as
// its 16 bits (the upper half of an f32), rounded to nearest even.

typedef unsigned short bf16;

__device__ __forceinline__ float lo(bf16 v) { return __uint_as_float(((unsigned)v) << 16); }

__device__ __forceinline__ bf16 hi(float x) {
  unsigned u = __float_as_uint(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (bf16)0x7fc0;  // NaN stays NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return (bf16)(u >> 16);
}

#define HALF (HEAD_DIM / 2)
#define PER_LANE (HALF / 32)

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int m = 16; m > 0; m >>= 1) v += __shfl_xor_sync(0xffffffffu, v, m);
  return v;
}

// A head's row x of HEAD_DIM: this lane's share of its two halves (a[i] = x[j], b[i] = x[j + D/2],
// j = lane + 32·i), and 1/rms of the whole row.
__device__ __forceinline__ float load_halves(const bf16* __restrict__ x, int lane, float eps, float* a, float* b) {
  float ss = 0.f;
#pragma unroll
  for (int i = 0; i < PER_LANE; i++) {
    const int j = lane + 32 * i;
    a[i] = lo(x[j]);
    b[i] = lo(x[j + HALF]);
    ss += a[i] * a[i] + b[i] * b[i];
  }
  return rsqrtf(warp_sum(ss) / HEAD_DIM + eps);
}

// qkv: [tokens, (H + 2·KV)·D] rows `stride` elements apart; token = b·T + t, position pos0 + t.
// q [tokens, H, D], k and v [tokens, KV, D], contiguous. cos and sin: [positions, D] f32, sin's first
// half negated, so that out[j] = n[j]·cos[j] + n[j ± D/2]·sin[j].
extern "C" __global__ void qkv_prep_fwd(const bf16* __restrict__ qkv, long long stride, int tokens, int T, int H, int KV,
                                        const bf16* __restrict__ qw, const bf16* __restrict__ kw,
                                        const float* __restrict__ cosines, const float* __restrict__ sines, int pos0, float eps,
                                        bf16* __restrict__ q, bf16* __restrict__ k, bf16* __restrict__ v) {
  const int heads = H + 2 * KV;
  const long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (warp >= (long long)tokens * heads) return;
  const int token = (int)(warp / heads), head = (int)(warp % heads);
  const bf16* x = qkv + (long long)token * stride + (long long)head * HEAD_DIM;
  if (head >= H + KV) {
    bf16* o = v + ((long long)token * KV + (head - H - KV)) * HEAD_DIM;
#pragma unroll
    for (int i = 0; i < 2 * PER_LANE; i++) o[lane + 32 * i] = x[lane + 32 * i];
    return;
  }
  const bf16* w = head < H ? qw : kw;
  bf16* o = head < H ? q + ((long long)token * H + head) * HEAD_DIM : k + ((long long)token * KV + (head - H)) * HEAD_DIM;
  float a[PER_LANE], b[PER_LANE];
  const float r = load_halves(x, lane, eps, a, b);
  const long long p = (long long)(pos0 + token % T) * HEAD_DIM;
  const float* c = cosines + p;
  const float* s = sines + p;
#pragma unroll
  for (int i = 0; i < PER_LANE; i++) {
    const int j = lane + 32 * i;
    const float na = a[i] * r * lo(w[j]), nb = b[i] * r * lo(w[j + HALF]);
    o[j] = hi(na * c[j] + nb * s[j]);
    o[j + HALF] = hi(nb * c[j + HALF] + na * s[j + HALF]);
  }
}

// The gradient of qkv_prep_fwd: gq, gk, gv (null: zero) → dqkv, shaped and strided as qkv. With
// n = x·r·w (r = 1/rms) and out = rotate(n): dn = rotateᵀ(g), u = w·dn,
// dx = r·u − r³·x·Σ(u·x)/D.
extern "C" __global__ void qkv_prep_bwd(const bf16* __restrict__ qkv, long long stride, int tokens, int T, int H, int KV,
                                        const bf16* __restrict__ qw, const bf16* __restrict__ kw,
                                        const float* __restrict__ cosines, const float* __restrict__ sines, int pos0, float eps,
                                        const bf16* __restrict__ gq, const bf16* __restrict__ gk, const bf16* __restrict__ gv,
                                        bf16* __restrict__ dqkv) {
  const int heads = H + 2 * KV;
  const long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (warp >= (long long)tokens * heads) return;
  const int token = (int)(warp / heads), head = (int)(warp % heads);
  const long long at = (long long)token * stride + (long long)head * HEAD_DIM;
  const bf16* x = qkv + at;
  bf16* d = dqkv + at;
  const bf16* g = head < H ? (gq ? gq + ((long long)token * H + head) * HEAD_DIM : 0)
                : head < H + KV ? (gk ? gk + ((long long)token * KV + (head - H)) * HEAD_DIM : 0)
                : (gv ? gv + ((long long)token * KV + (head - H - KV)) * HEAD_DIM : 0);
  if (head >= H + KV || !g) {
#pragma unroll
    for (int i = 0; i < 2 * PER_LANE; i++) d[lane + 32 * i] = g ? g[lane + 32 * i] : (bf16)0;
    return;
  }
  const bf16* w = head < H ? qw : kw;
  float a[PER_LANE], b[PER_LANE], ua[PER_LANE], ub[PER_LANE];
  const float r = load_halves(x, lane, eps, a, b);
  const long long p = (long long)(pos0 + token % T) * HEAD_DIM;
  const float* c = cosines + p;
  const float* s = sines + p;
  float dot = 0.f;
#pragma unroll
  for (int i = 0; i < PER_LANE; i++) {
    const int j = lane + 32 * i;
    const float ga = lo(g[j]), gb = lo(g[j + HALF]);
    ua[i] = (ga * c[j] + gb * s[j + HALF]) * lo(w[j]);
    ub[i] = (gb * c[j + HALF] + ga * s[j]) * lo(w[j + HALF]);
    dot += ua[i] * a[i] + ub[i] * b[i];
  }
  const float k3 = r * r * r * warp_sum(dot) / HEAD_DIM;
#pragma unroll
  for (int i = 0; i < PER_LANE; i++) {
    const int j = lane + 32 * i;
    d[j] = hi(r * ua[i] - k3 * a[i]);
    d[j + HALF] = hi(r * ub[i] - k3 * b[i]);
  }
}

#define PER_LANE_H (HIDDEN / 32)

// x, o: [rows, HIDDEN]; y = x + o·r(o)·w_post, and where w_pre is given n = y·r(y)·w_pre, with y
// rounded to bf16 first (as it is stored), r(v) = 1/sqrt(mean(v²) + eps).
extern "C" __global__ void junction_fwd(const bf16* __restrict__ x, const bf16* __restrict__ o, const bf16* __restrict__ w_post, const bf16* __restrict__ w_pre,
                                        long long rows, float eps, bf16* __restrict__ y, bf16* __restrict__ n) {
  const long long row = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (row >= rows) return;
  const long long at = row * HIDDEN;
  float ov[PER_LANE_H], yv[PER_LANE_H];
  float ss = 0.f;
#pragma unroll
  for (int i = 0; i < PER_LANE_H; i++) {
    ov[i] = lo(o[at + lane + 32 * i]);
    ss += ov[i] * ov[i];
  }
  const float r = rsqrtf(warp_sum(ss) / HIDDEN + eps);
  float ss_y = 0.f;
#pragma unroll
  for (int i = 0; i < PER_LANE_H; i++) {
    const int j = lane + 32 * i;
    const bf16 v = hi(lo(x[at + j]) + ov[i] * r * lo(w_post[j]));
    y[at + j] = v;
    yv[i] = lo(v);
    ss_y += yv[i] * yv[i];
  }
  if (w_pre == 0) return;
  const float r_y = rsqrtf(warp_sum(ss_y) / HIDDEN + eps);
#pragma unroll
  for (int i = 0; i < PER_LANE_H; i++) {
    const int j = lane + 32 * i;
    n[at + j] = hi(yv[i] * r_y * lo(w_pre[j]));
  }
}

// The gradient of junction_fwd: gy, gn (null: zero) → gx = gy + (the pre-norm's gradient), and
// go = (the post-norm's gradient of gx). For a norm v·r(v)·w with upstream g: u = w·g,
// dv = r·u − r³·v·Σ(u·v)/HIDDEN.
extern "C" __global__ void junction_bwd(const bf16* __restrict__ o, const bf16* __restrict__ y, const bf16* __restrict__ w_post, const bf16* __restrict__ w_pre,
                                        const bf16* __restrict__ gy, const bf16* __restrict__ gn, long long rows, float eps,
                                        bf16* __restrict__ gx, bf16* __restrict__ go) {
  const long long row = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (row >= rows) return;
  const long long at = row * HIDDEN;
  float g[PER_LANE_H], v[PER_LANE_H], u[PER_LANE_H];
#pragma unroll
  for (int i = 0; i < PER_LANE_H; i++) g[i] = gy ? lo(gy[at + lane + 32 * i]) : 0.f;
  if (gn != 0 && w_pre != 0) {
    float ss = 0.f, dot = 0.f;
#pragma unroll
    for (int i = 0; i < PER_LANE_H; i++) {
      const int j = lane + 32 * i;
      v[i] = lo(y[at + j]);
      u[i] = lo(w_pre[j]) * lo(gn[at + j]);
      ss += v[i] * v[i];
      dot += u[i] * v[i];
    }
    const float r = rsqrtf(warp_sum(ss) / HIDDEN + eps);
    const float k = r * r * r * warp_sum(dot) / HIDDEN;
#pragma unroll
    for (int i = 0; i < PER_LANE_H; i++) g[i] += r * u[i] - k * v[i];
  }
  float ss = 0.f, dot = 0.f;
#pragma unroll
  for (int i = 0; i < PER_LANE_H; i++) {
    const int j = lane + 32 * i;
    gx[at + j] = hi(g[i]);
    v[i] = lo(o[at + j]);
    u[i] = lo(w_post[j]) * g[i];
    ss += v[i] * v[i];
    dot += u[i] * v[i];
  }
  const float r = rsqrtf(warp_sum(ss) / HIDDEN + eps);
  const float k = r * r * r * warp_sum(dot) / HIDDEN;
#pragma unroll
  for (int i = 0; i < PER_LANE_H; i++) go[at + lane + 32 * i] = hi(r * u[i] - k * v[i]);
}

__device__ __forceinline__ void unpack(uint2 v, float* f) {
  f[0] = lo((bf16)(v.x & 0xffffu));
  f[1] = lo((bf16)(v.x >> 16));
  f[2] = lo((bf16)(v.y & 0xffffu));
  f[3] = lo((bf16)(v.y >> 16));
}

__device__ __forceinline__ uint2 pack(const float* f) {
  uint2 v;
  v.x = (unsigned)hi(f[0]) | ((unsigned)hi(f[1]) << 16);
  v.y = (unsigned)hi(f[2]) | ((unsigned)hi(f[3]) << 16);
  return v;
}

// gelu_tanh(x) = x·(1 + tanh(k0·(x + k1·x³)))/2, and its derivative.
#define GELU_K0 0.7978845608028654f
#define GELU_K1 0.044715f

// gu: [rows, 2·I] (gate, then up), as groups of four bf16; h: [rows, I]. quads = I / 4.
extern "C" __global__ void geglu_fwd(const uint2* __restrict__ gu, long long rows, int quads, uint2* __restrict__ h) {
  const long long n = rows * quads;
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
    const long long r = e / quads;
    const int c = (int)(e % quads);
    float g[4], u[4], o[4];
    unpack(gu[r * 2 * quads + c], g);
    unpack(gu[r * 2 * quads + quads + c], u);
#pragma unroll
    for (int i = 0; i < 4; i++) {
      const float t = tanhf(GELU_K0 * (g[i] + GELU_K1 * g[i] * g[i] * g[i]));
      o[i] = 0.5f * g[i] * (1.f + t) * u[i];
    }
    h[e] = pack(o);
  }
}

// dh: [rows, I] → dgu: [rows, 2·I] (d gate, then d up).
extern "C" __global__ void geglu_bwd(const uint2* __restrict__ gu, const uint2* __restrict__ dh, long long rows, int quads,
                                     uint2* __restrict__ dgu) {
  const long long n = rows * quads;
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
    const long long r = e / quads;
    const int c = (int)(e % quads);
    float g[4], u[4], d[4], dg[4], du[4];
    unpack(gu[r * 2 * quads + c], g);
    unpack(gu[r * 2 * quads + quads + c], u);
    unpack(dh[e], d);
#pragma unroll
    for (int i = 0; i < 4; i++) {
      const float x = g[i];
      const float t = tanhf(GELU_K0 * (x + GELU_K1 * x * x * x));
      const float gelu = 0.5f * x * (1.f + t);
      const float slope = 0.5f * (1.f + t) + 0.5f * x * (1.f - t * t) * GELU_K0 * (1.f + 3.f * GELU_K1 * x * x);
      dg[i] = d[i] * u[i] * slope;
      du[i] = d[i] * gelu;
    }
    dgu[r * 2 * quads + c] = pack(dg);
    dgu[r * 2 * quads + quads + c] = pack(du);
  }
}

#define INFINITY __int_as_float(0x7f800000)

// Online softmax statistics: (m, s) stands for s·e^m; combining two keeps the larger exponent.
__device__ __forceinline__ void combine(float& m, float& s, float m2, float s2) {
  if (m2 == -INFINITY) return;
  if (m == -INFINITY) {
    m = m2;
    s = s2;
    return;
  }
  const float big = fmaxf(m, m2);
  s = s * expf(m - big) + s2 * expf(m2 - big);
  m = big;
}

#define XENT_THREADS 512
#define XENT_UNROLL 4

// logits: [rows, V] bf16 (V a multiple of 4), overwritten by d loss / d logits; targets: [rows]
// (outside 0..V: no label, the row's loss and gradient are zero); loss: [rows] f32, logsumexp − the
// target's logit. Launched with XENT_THREADS threads, one block per row.
extern "C" __global__ void xent_rows(bf16* __restrict__ logits, const long long* __restrict__ targets, int V, float* __restrict__ loss) {
  __shared__ float shared_m[XENT_THREADS / 32], shared_s[XENT_THREADS / 32];
  __shared__ float shared_lse;
  bf16* x = logits + (long long)blockIdx.x * V;
  const long long target = targets[blockIdx.x];
  const bool valid = target >= 0 && target < V;
  uint2* row = reinterpret_cast<uint2*>(x);
  const int quads = V / 4;
  float m = -INFINITY, s = 0.f;
  for (int q0 = threadIdx.x; q0 < quads; q0 += XENT_THREADS * XENT_UNROLL) {
    uint2 v[XENT_UNROLL];
#pragma unroll
    for (int u = 0; u < XENT_UNROLL; u++) {
      const int q = q0 + u * XENT_THREADS;
      v[u] = q < quads ? row[q] : make_uint2(0xff80ff80u, 0xff80ff80u);  // four −inf
    }
#pragma unroll
    for (int u = 0; u < XENT_UNROLL; u++) {
      float f[4];
      unpack(v[u], f);
      float local = fmaxf(fmaxf(f[0], f[1]), fmaxf(f[2], f[3]));
      if (local == -INFINITY) continue;
      float sum = expf(f[0] - local) + expf(f[1] - local) + expf(f[2] - local) + expf(f[3] - local);
      combine(m, s, local, sum);
    }
  }
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) {
    const float m2 = __shfl_xor_sync(0xffffffffu, m, off), s2 = __shfl_xor_sync(0xffffffffu, s, off);
    combine(m, s, m2, s2);
  }
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane == 0) {
    shared_m[warp] = m;
    shared_s[warp] = s;
  }
  __syncthreads();
  if (warp == 0) {
    m = lane < XENT_THREADS / 32 ? shared_m[lane] : -INFINITY;
    s = lane < XENT_THREADS / 32 ? shared_s[lane] : 0.f;
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
      const float m2 = __shfl_xor_sync(0xffffffffu, m, off), s2 = __shfl_xor_sync(0xffffffffu, s, off);
      combine(m, s, m2, s2);
    }
    if (lane == 0) {
      const float lse = m + logf(s);
      shared_lse = lse;
      // Read before the gradient overwrites the row.
      loss[blockIdx.x] = valid ? lse - lo(x[target]) : 0.f;
    }
  }
  __syncthreads();
  const float lse = shared_lse;
  for (int q = threadIdx.x; q < quads; q += XENT_THREADS) {
    float f[4];
    unpack(row[q], f);
#pragma unroll
    for (int i = 0; i < 4; i++) f[i] = valid ? expf(f[i] - lse) - (4LL * q + i == target ? 1.f : 0.f) : 0.f;
    row[q] = pack(f);
  }
}
