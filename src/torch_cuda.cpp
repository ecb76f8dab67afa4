// libtorch's CUDA parts that tch does not expose, as a C face for src/torch_cuda.rs: CUDA-graph
// capture and replay (at::cuda::CUDAGraph), flash attention with a sliding window
// (at::_flash_attention_forward, differentiable), the kineto profiler, and fg's own fused kernels
// (src/kernels.cu, compiled at run time with NVRTC) as differentiable ops.
//
// Built by build.rs into a shared object that is embedded in fg and loaded only on CUDA machines,
// after libtorch_cuda.so: its libtorch symbols resolve against the libraries already loaded, so fg
// itself never links libtorch_cuda and still builds and runs where there is no CUDA.
//
// Every function returns NULL on success or a malloc'ed message (freed with fg_graph_free_error);
// no C++ exception crosses into Rust.

#include <ATen/ATen.h>
#include <ATen/cuda/CUDAGraph.h>
#include <torch/csrc/autograd/profiler_kineto.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <torch/csrc/autograd/custom_function.h>
#include <cuda.h>
#include <dirent.h>
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// Capture cannot run on the legacy default stream, which tch uses: work to capture, and its
// warm-up, runs on this side stream. One stream for every graph: the caching allocator reuses a
// freed block only on the stream it was used on, so graphs that share a memory pool must also
// share the stream, or each capture takes fresh memory.
c10::cuda::CUDAStream capture_stream() {
  static c10::cuda::CUDAStream stream = c10::cuda::getStreamFromPool(false, 0);
  return stream;
}

struct Graph {
  at::cuda::CUDAGraph graph;
  c10::cuda::CUDAStream stream = capture_stream();
  // Holds the capture stream current on the calling thread between enter and leave.
  std::optional<c10::cuda::CUDAStreamGuard> guard;
};

char* error(const char* what) {
  size_t n = std::strlen(what) + 1;
  char* out = static_cast<char*>(std::malloc(n));
  if (out != nullptr) std::memcpy(out, what, n);
  return out;
}

template <typename F>
char* guarded(F f) {
  try {
    f();
    return nullptr;
  } catch (const std::exception& e) {
    return error(e.what());
  } catch (...) {
    return error("unknown C++ exception");
  }
}

// fg's fused kernels (src/kernels.cu): NVRTC (the library torch itself uses, found where torch's
// own is, else by its usual names) compiles them for the GPU in use, the driver API loads and
// launches them on the current stream, so they are captured into CUDA graphs like libtorch's own.
namespace kernels {

typedef int nvrtcResult;
typedef struct _nvrtcProgram* nvrtcProgram;

struct Api {
  nvrtcResult (*create)(nvrtcProgram*, const char*, const char*, int, const char* const*, const char* const*);
  nvrtcResult (*compile)(nvrtcProgram, int, const char* const*);
  nvrtcResult (*log_size)(nvrtcProgram, size_t*);
  nvrtcResult (*log)(nvrtcProgram, char*);
  nvrtcResult (*cubin_size)(nvrtcProgram, size_t*);
  nvrtcResult (*cubin)(nvrtcProgram, char*);
  nvrtcResult (*destroy)(nvrtcProgram*);
  CUresult (*load)(CUmodule*, const void*);
  CUresult (*function)(CUfunction*, CUmodule, const char*);
  CUresult (*launch)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream, void**, void**);
  CUresult (*error_string)(CUresult, const char**);
  CUresult (*ctx_get)(CUcontext*);
  CUresult (*ctx_set)(CUcontext);
  CUresult (*primary_retain)(CUcontext*, CUdevice);
  CUresult (*attribute)(int*, CUdevice_attribute, CUdevice);
};

// The directory of the loaded library that defines `symbol`.
std::string directory_of(const void* symbol) {
  Dl_info info;
  if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) return "";
  std::string path = info.dli_fname;
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

void* open_nvrtc() {
  // torch's wheels keep NVRTC beside torch/lib (nvidia/cu13/lib, nvidia/cuda_nvrtc/lib); an
  // already loaded one is found by its name alone.
  std::string torch_lib = directory_of(reinterpret_cast<const void*>(&c10::cuda::device_synchronize));
  std::vector<std::string> names = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"};
  for (const char* dir : {"/../../nvidia/cu13/lib/", "/../../nvidia/cuda_nvrtc/lib/"}) {
    for (const char* name : {"libnvrtc.so.13", "libnvrtc.so.12"}) names.push_back(torch_lib + dir + name);
  }
  for (const char* name : {"/usr/local/cuda/lib64/libnvrtc.so.13", "/usr/local/cuda/lib64/libnvrtc.so.12", "/usr/local/cuda/lib64/libnvrtc.so"}) names.push_back(name);
  for (const auto& name : names) {
    if (void* lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) return lib;
  }
  throw std::runtime_error("NVRTC (libnvrtc.so.13 or .12) not found: not loaded, not beside torch (" + torch_lib + "), not in /usr/local/cuda");
}

template <typename F>
void bind(void* lib, const char* name, F& f) {
  f = reinterpret_cast<F>(dlsym(lib, name));
  if (f == nullptr) throw std::runtime_error(std::string("symbol ") + name + " missing");
}

const Api& api() {
  static Api a = [] {
    Api a{};
    void* nvrtc = open_nvrtc();
    bind(nvrtc, "nvrtcCreateProgram", a.create);
    bind(nvrtc, "nvrtcCompileProgram", a.compile);
    bind(nvrtc, "nvrtcGetProgramLogSize", a.log_size);
    bind(nvrtc, "nvrtcGetProgramLog", a.log);
    bind(nvrtc, "nvrtcGetCUBINSize", a.cubin_size);
    bind(nvrtc, "nvrtcGetCUBIN", a.cubin);
    bind(nvrtc, "nvrtcDestroyProgram", a.destroy);
    // NVRTC opens its builtins library by name alone, and it has no run path: one beside it (as in
    // torch's wheels) is loaded first, so that the name finds it.
    std::string dir = directory_of(reinterpret_cast<const void*>(a.create));
    if (DIR* d = opendir(dir.c_str())) {
      while (dirent* e = readdir(d)) {
        std::string name = e->d_name;
        if (name.rfind("libnvrtc-builtins.so.", 0) == 0) dlopen((dir + "/" + name).c_str(), RTLD_NOW | RTLD_GLOBAL);
      }
      closedir(d);
    }
    void* cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (cuda == nullptr) throw std::runtime_error("libcuda.so.1 not found");
    bind(cuda, "cuModuleLoadData", a.load);
    bind(cuda, "cuModuleGetFunction", a.function);
    bind(cuda, "cuLaunchKernel", a.launch);
    bind(cuda, "cuGetErrorString", a.error_string);
    bind(cuda, "cuCtxGetCurrent", a.ctx_get);
    bind(cuda, "cuCtxSetCurrent", a.ctx_set);
    bind(cuda, "cuDevicePrimaryCtxRetain", a.primary_retain);
    bind(cuda, "cuDeviceGetAttribute", a.attribute);
    return a;
  }();
  return a;
}

void cu_check(CUresult r, const char* what) {
  if (r == CUDA_SUCCESS) return;
  const char* msg = nullptr;
  api().error_string(r, &msg);
  throw std::runtime_error(std::string(what) + ": " + (msg ? msg : "CUDA error " + std::to_string(r)));
}

// Makes `device`'s primary context (the one the CUDA runtime, and so torch, uses) current on this
// thread. Whatever else is current is replaced: a thread may hold a stale context (one released
// by an earlier user of the driver API before torch retained the device's primary context again).
void with_context(int device) {
  const auto& a = api();
  static std::mutex lock;
  static std::vector<CUcontext> primary;
  CUcontext want = nullptr;
  {
    std::lock_guard<std::mutex> hold(lock);
    if (primary.size() <= static_cast<size_t>(device)) primary.resize(device + 1, nullptr);
    if (primary[device] == nullptr) cu_check(a.primary_retain(&primary[device], device), "cuDevicePrimaryCtxRetain");
    want = primary[device];
  }
  CUcontext ctx = nullptr;
  cu_check(a.ctx_get(&ctx), "cuCtxGetCurrent");
  if (ctx != want) cu_check(a.ctx_set(want), "cuCtxSetCurrent");
}

struct Module {
  int64_t head_dim = 0, hidden = 0;
  CUfunction qkv_fwd = nullptr, qkv_bwd = nullptr, geglu_fwd = nullptr, geglu_bwd = nullptr, xent = nullptr, junction_fwd = nullptr, junction_bwd = nullptr;
};

std::mutex modules_lock;
std::list<Module> modules;  // a list: references to its modules stay valid as it grows
std::string source;

// The kernels for a model's `head_dim` and `hidden` size, compiled once (fg_kernels_init gives
// the source); -1 matches any, for lookups.
const Module& module(int64_t head_dim, int64_t hidden) {
  std::lock_guard<std::mutex> hold(modules_lock);
  for (const auto& m : modules) {
    if ((head_dim < 0 || m.head_dim == head_dim) && (hidden < 0 || m.hidden == hidden)) return m;
  }
  if (source.empty() || head_dim < 0 || hidden < 0) {
    throw std::runtime_error("the fused kernels were not compiled for head_dim " + std::to_string(head_dim) + ", hidden " + std::to_string(hidden) + " (fg_kernels_init)");
  }
  if (head_dim % 64 != 0 || head_dim > 1024) throw std::runtime_error("head_dim must be a multiple of 64, at most 1024; got " + std::to_string(head_dim));
  if (hidden % 32 != 0 || hidden > 4096) throw std::runtime_error("the hidden size must be a multiple of 32, at most 4096; got " + std::to_string(hidden));
  const auto& a = api();
  int major = 0, minor = 0, device = c10::cuda::current_device();
  with_context(device);
  cu_check(a.attribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device), "reading the compute capability");
  cu_check(a.attribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device), "reading the compute capability");
  std::string arch = "--gpu-architecture=sm_" + std::to_string(major) + std::to_string(minor);
  std::string dim = "-DHEAD_DIM=" + std::to_string(head_dim), width = "-DHIDDEN=" + std::to_string(hidden);
  const char* options[] = {arch.c_str(), dim.c_str(), width.c_str(), "--std=c++17"};
  nvrtcProgram prog = nullptr;
  if (a.create(&prog, source.c_str(), "kernels.cu", 0, nullptr, nullptr) != 0) throw std::runtime_error("nvrtcCreateProgram failed");
  int compiled = a.compile(prog, 4, options);
  size_t log_size = 0;
  a.log_size(prog, &log_size);
  std::string log(log_size, '\0');
  if (log_size > 0) a.log(prog, log.data());
  if (compiled != 0) {
    a.destroy(&prog);
    throw std::runtime_error("NVRTC could not compile src/kernels.cu for " + arch + ": " + log);
  }
  size_t size = 0;
  a.cubin_size(prog, &size);
  std::vector<char> cubin(size);
  a.cubin(prog, cubin.data());
  a.destroy(&prog);
  Module m;
  m.head_dim = head_dim;
  m.hidden = hidden;
  CUmodule mod = nullptr;
  cu_check(a.load(&mod, cubin.data()), "loading the kernels");
  cu_check(a.function(&m.qkv_fwd, mod, "qkv_prep_fwd"), "qkv_prep_fwd");
  cu_check(a.function(&m.qkv_bwd, mod, "qkv_prep_bwd"), "qkv_prep_bwd");
  cu_check(a.function(&m.geglu_fwd, mod, "geglu_fwd"), "geglu_fwd");
  cu_check(a.function(&m.geglu_bwd, mod, "geglu_bwd"), "geglu_bwd");
  cu_check(a.function(&m.xent, mod, "xent_rows"), "xent_rows");
  cu_check(a.function(&m.junction_fwd, mod, "junction_fwd"), "junction_fwd");
  cu_check(a.function(&m.junction_bwd, mod, "junction_bwd"), "junction_bwd");
  modules.push_back(m);
  return modules.back();
}

// Any compiled module (for the kernels that depend on neither size).
const Module& any_module() { return module(-1, -1); }

// Launches on the current stream of `like`'s device, with the device's primary context current
// (the autograd engine's own threads may have none yet).
void launch(CUfunction f, unsigned blocks, unsigned threads, const at::Tensor& like, std::vector<void*> args) {
  if (blocks == 0) return;  // nothing to do (an empty batch); a launch of no blocks is an error
  const auto& a = api();
  c10::cuda::CUDAGuard device(like.device());
  with_context(like.device().index());
  CUstream stream = c10::cuda::getCurrentCUDAStream(like.device().index()).stream();
  cu_check(a.launch(f, blocks, 1, 1, threads, 1, 1, 0, stream, args.data(), nullptr), "launching a fused kernel");
}

void expect(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

const void* data_or_null(const at::Tensor& t) { return t.defined() ? t.data_ptr() : nullptr; }

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// qkv [B, T, (H + 2·KV)·D] → q [B, T, H, D] and k [B, T, KV, D] RMS-normed (q_w, k_w) and rotated
// (cos, sin [positions, D] f32, from position pos0), v [B, T, KV, D] copied; see src/kernels.cu.
struct QkvPrep : public torch::autograd::Function<QkvPrep> {
  struct Shape {
    int64_t batch, len, heads, kv, dim;
  };

  static Shape shape_of(const at::Tensor& qkv, int64_t heads, int64_t kv, const at::Tensor& q_w) {
    expect(qkv.dim() == 3 && qkv.scalar_type() == at::kBFloat16 && qkv.is_cuda(), "qkv must be [B, T, width] bf16 on the GPU");
    int64_t dim = q_w.numel();
    expect(qkv.size(2) == (heads + 2 * kv) * dim, "qkv's width is not (heads + 2·kv_heads)·head_dim");
    return {qkv.size(0), qkv.size(1), heads, kv, dim};
  }

  static variable_list forward(AutogradContext* ctx, at::Tensor qkv, at::Tensor q_w, at::Tensor k_w, at::Tensor cos, at::Tensor sin, int64_t pos0, int64_t heads, int64_t kv, double eps) {
    Shape s = shape_of(qkv, heads, kv, q_w);
    expect(q_w.scalar_type() == at::kBFloat16 && k_w.scalar_type() == at::kBFloat16 && k_w.numel() == s.dim, "the q and k norms must be bf16 of head_dim");
    expect(cos.scalar_type() == at::kFloat && sin.scalar_type() == at::kFloat && cos.is_contiguous() && sin.is_contiguous() && cos.size(1) == s.dim, "the rotary tables must be contiguous f32 [positions, head_dim]");
    expect(pos0 >= 0 && pos0 + s.len <= cos.size(0), "positions beyond the rotary tables");
    auto x = qkv.contiguous();
    auto q = at::empty({s.batch, s.len, s.heads, s.dim}, x.options());
    auto k = at::empty({s.batch, s.len, s.kv, s.dim}, x.options());
    auto v = at::empty({s.batch, s.len, s.kv, s.dim}, x.options());
    run(s, x, q_w.contiguous(), k_w.contiguous(), cos, sin, pos0, eps, q, k, v, at::Tensor(), nullptr);
    ctx->save_for_backward({x, q_w, k_w, cos, sin});
    ctx->saved_data["pos0"] = pos0;
    ctx->saved_data["heads"] = heads;
    ctx->saved_data["kv"] = kv;
    ctx->saved_data["eps"] = eps;
    return {q, k, v};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    auto x = saved[0];
    int64_t pos0 = ctx->saved_data["pos0"].toInt(), heads = ctx->saved_data["heads"].toInt(), kv = ctx->saved_data["kv"].toInt();
    double eps = ctx->saved_data["eps"].toDouble();
    Shape s = shape_of(x, heads, kv, saved[1]);
    auto dx = at::empty_like(x);
    auto g = [&](size_t i) { return grads[i].defined() ? grads[i].to(at::kBFloat16).contiguous() : at::Tensor(); };
    run(s, x, saved[1].contiguous(), saved[2].contiguous(), saved[3], saved[4], pos0, eps, g(0), g(1), g(2), dx, &grads);
    return {dx, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }

  // Forward (grads null: writes a, b, c = q, k, v) or backward (reads a, b, c = dq, dk, dv; writes dx).
  static void run(const Shape& s, const at::Tensor& x, const at::Tensor& q_w, const at::Tensor& k_w, const at::Tensor& cos, const at::Tensor& sin, int64_t pos0, double eps, const at::Tensor& a,
                  const at::Tensor& b, const at::Tensor& c, const at::Tensor& dx, const variable_list* grads) {
    const Module& m = module(s.dim, -1);
    long long stride = x.size(2);
    int tokens = static_cast<int>(s.batch * s.len), len = static_cast<int>(s.len), h = static_cast<int>(s.heads), kv = static_cast<int>(s.kv), p0 = static_cast<int>(pos0);
    float e = static_cast<float>(eps);
    const void *xp = x.data_ptr(), *qw = q_w.data_ptr(), *kw = k_w.data_ptr(), *cp = cos.data_ptr(), *sp = sin.data_ptr();
    const void *ap = data_or_null(a), *bp = data_or_null(b), *cc = data_or_null(c);
    long long warps = static_cast<long long>(tokens) * (s.heads + 2 * s.kv);
    unsigned blocks = static_cast<unsigned>((warps * 32 + 127) / 128);
    if (grads == nullptr) {
      launch(m.qkv_fwd, blocks, 128, x, {&xp, &stride, &tokens, &len, &h, &kv, &qw, &kw, &cp, &sp, &p0, &e, &ap, &bp, &cc});
    } else {
      const void* dp = dx.data_ptr();
      launch(m.qkv_bwd, blocks, 128, x, {&xp, &stride, &tokens, &len, &h, &kv, &qw, &kw, &cp, &sp, &p0, &e, &ap, &bp, &cc, &dp});
    }
  }
};

// gu [.., 2·I] (gate, then up) → gelu_tanh(gate) · up [.., I]; see src/kernels.cu.
struct Geglu : public torch::autograd::Function<Geglu> {
  static void sizes(const at::Tensor& gu, long long& rows, int& quads) {
    expect(gu.scalar_type() == at::kBFloat16 && gu.is_cuda() && gu.size(-1) % 8 == 0, "gate/up must be bf16 on the GPU with a width that is a multiple of 8");
    quads = static_cast<int>(gu.size(-1) / 8);
    rows = static_cast<long long>(gu.numel() / gu.size(-1));
  }

  static unsigned blocks(long long n) { return static_cast<unsigned>(std::min<long long>((n + 255) / 256, 1 << 20)); }

  static variable_list forward(AutogradContext* ctx, at::Tensor gu) {
    auto x = gu.contiguous();
    long long rows;
    int quads;
    sizes(x, rows, quads);
    auto shape = x.sizes().vec();
    shape.back() /= 2;
    auto h = at::empty(shape, x.options());
    const Module& m = any_module();
    const void *xp = x.data_ptr(), *hp = h.data_ptr();
    launch(m.geglu_fwd, blocks(rows * quads), 256, x, {&xp, &rows, &quads, &hp});
    ctx->save_for_backward({x});
    return {h};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto x = ctx->get_saved_variables()[0];
    long long rows;
    int quads;
    sizes(x, rows, quads);
    auto dx = at::empty_like(x);
    auto dh = grads[0].to(at::kBFloat16).contiguous();
    const Module& m = any_module();
    const void *xp = x.data_ptr(), *dp = dh.data_ptr(), *op = dx.data_ptr();
    launch(m.geglu_bwd, blocks(rows * quads), 256, x, {&xp, &dp, &rows, &quads, &op});
    return {dx};
  }
};

// y = x + norm(o)·w_post and, with w_pre, n = norm(y)·w_pre, over rows of the hidden size; see
// src/kernels.cu. Outputs {y} or {y, n}.
struct Junction : public torch::autograd::Function<Junction> {
  static void check(const at::Tensor& t, int64_t hidden, const char* what) {
    expect(t.scalar_type() == at::kBFloat16 && t.is_cuda() && t.size(-1) == hidden, std::string(what) + " must be bf16 on the GPU, of the hidden size");
  }

  // Without a next norm, `w_pre` is any defined tensor (autograd describes every tensor input) and
  // `has_pre` false.
  static variable_list forward(AutogradContext* ctx, at::Tensor x, at::Tensor o, at::Tensor w_post, at::Tensor w_pre, bool has_pre, double eps) {
    int64_t hidden = w_post.numel();
    check(x, hidden, "the residual");
    check(o, hidden, "the output joining it");
    expect(x.sizes() == o.sizes(), "the residual and the output joining it differ in shape");
    const Module& m = module(-1, hidden);
    auto xc = x.contiguous(), oc = o.contiguous(), wp = w_post.contiguous();
    auto wn = has_pre ? w_pre.contiguous() : at::Tensor();
    auto y = at::empty_like(xc);
    auto n = wn.defined() ? at::empty_like(xc) : at::Tensor();
    long long rows = xc.numel() / hidden;
    float e = static_cast<float>(eps);
    const void *xp = xc.data_ptr(), *op = oc.data_ptr(), *wpp = wp.data_ptr(), *wnp = data_or_null(wn), *yp = y.data_ptr(), *np = data_or_null(n);
    launch(m.junction_fwd, static_cast<unsigned>((rows * 32 + 127) / 128), 128, xc, {&xp, &op, &wpp, &wnp, &rows, &e, &yp, &np});
    ctx->save_for_backward({oc, y, wp, wn});
    ctx->saved_data["eps"] = eps;
    if (n.defined()) return {y, n};
    return {y};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    auto &o = saved[0], &y = saved[1], &wp = saved[2], &wn = saved[3];
    int64_t hidden = wp.numel();
    const Module& m = module(-1, hidden);
    auto g = [&](size_t i) { return i < grads.size() && grads[i].defined() ? grads[i].to(at::kBFloat16).contiguous() : at::Tensor(); };
    auto gy = g(0), gn = g(1);
    auto gx = at::empty_like(o), go = at::empty_like(o);
    long long rows = o.numel() / hidden;
    float e = static_cast<float>(ctx->saved_data["eps"].toDouble());
    const void *opp = o.data_ptr(), *yp = y.data_ptr(), *wpp = wp.data_ptr(), *wnp = data_or_null(wn), *gyp = data_or_null(gy), *gnp = data_or_null(gn), *gxp = gx.data_ptr(), *gop = go.data_ptr();
    launch(m.junction_bwd, static_cast<unsigned>((rows * 32 + 127) / 128), 128, o, {&opp, &yp, &wpp, &wnp, &gyp, &gnp, &rows, &e, &gxp, &gop});
    return {gx, go, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// Each row's cross-entropy against `targets` (-100: none), the logits [N, V] (bf16, contiguous)
// overwritten by its gradient; see src/kernels.cu. Not differentiable: the caller carries it.
at::Tensor cross_entropy_rows(at::Tensor& logits, const at::Tensor& targets) {
  expect(logits.dim() == 2 && logits.scalar_type() == at::kBFloat16 && logits.is_cuda() && logits.is_contiguous() && logits.size(1) % 4 == 0,
         "logits must be contiguous bf16 [N, V] on the GPU, V a multiple of 4");
  expect(targets.scalar_type() == at::kLong && targets.numel() == logits.size(0) && targets.device() == logits.device(), "targets must be int64 [N] beside the logits");
  auto t = targets.contiguous();
  auto loss = at::empty({logits.size(0)}, logits.options().dtype(at::kFloat));
  if (logits.size(0) == 0) return loss;
  const Module& m = any_module();
  int vocab = static_cast<int>(logits.size(1));
  const void *lp = logits.data_ptr(), *tp = t.data_ptr(), *op = loss.data_ptr();
  launch(m.xent, static_cast<unsigned>(logits.size(0)), 512, logits, {&lp, &tp, &vocab, &op});
  return loss;
}

}  // namespace kernels

}  // namespace

extern "C" {

char* fg_graph_new(void** out) {
  return guarded([&] { *out = new Graph(); });
}

void fg_graph_delete(void* g) { delete static_cast<Graph*>(g); }

void fg_graph_free_error(char* e) { std::free(e); }

// Makes the graph's side stream current on this thread, after the device's queued work.
char* fg_graph_enter(void* g) {
  return guarded([&] {
    auto* graph = static_cast<Graph*>(g);
    c10::cuda::device_synchronize();
    graph->guard.emplace(graph->stream);
  });
}

// Restores the previous stream, after the side stream's work.
char* fg_graph_leave(void* g) {
  return guarded([&] {
    auto* graph = static_cast<Graph*>(g);
    graph->stream.synchronize();
    graph->guard.reset();
  });
}

// Begins capture on the side stream (entered first). `pool` names a memory pool shared with other
// graphs (from fg_graph_pool); {0, 0} gives the graph its own.
char* fg_graph_capture_begin(void* g, unsigned long long pool_a, unsigned long long pool_b) {
  return guarded([&] {
    static_cast<Graph*>(g)->graph.capture_begin({pool_a, pool_b});
  });
}

char* fg_graph_capture_end(void* g) {
  return guarded([&] { static_cast<Graph*>(g)->graph.capture_end(); });
}

// Replays the captured work on the calling thread's current stream.
char* fg_graph_replay(void* g) {
  return guarded([&] { static_cast<Graph*>(g)->graph.replay(); });
}

// Returns the caching allocator's unused blocks to the device.
char* fg_graph_empty_cache() {
  return guarded([] { c10::cuda::CUDACachingAllocator::emptyCache(); });
}

// The caching allocator's peak of memory allocated to tensors on device 0 since the last reset
// (what PyTorch's torch.cuda.max_memory_allocated reports), and its peak reserved; `reset` then
// starts a new peak.
char* fg_memory_peak(int reset, unsigned long long* allocated, unsigned long long* reserved) {
  return guarded([&] {
    using c10::CachingAllocator::StatType;
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
    *allocated = stats.allocated_bytes[static_cast<size_t>(StatType::AGGREGATE)].peak;
    *reserved = stats.reserved_bytes[static_cast<size_t>(StatType::AGGREGATE)].peak;
    if (reset) c10::cuda::CUDACachingAllocator::resetPeakStats(0);
  });
}

// A memory pool handle that several graphs can share.
char* fg_graph_pool(unsigned long long* a, unsigned long long* b) {
  return guarded([&] {
    auto id = at::cuda::graph_pool_handle();
    *a = id.first;
    *b = id.second;
  });
}

// Flash attention over q [B, Tq, H, D] and k, v [B, Tk, Hkv, D] (Hkv divides H): causal with the
// diagonal at the bottom right (query i sees keys up to i + Tk - Tq, so keys may start with a
// prefix), each query seeing at most `window` keys (0: no window). *out: [B, Tq, H, D], a new
// tensor owned by the caller (tch's Tensor takes it), recorded for autograd.
char* fg_flash_attention(at::Tensor* q, at::Tensor* k, at::Tensor* v, double scale, int64_t window, at::Tensor** out) {
  return guarded([&] {
    std::optional<int64_t> left = window > 0 ? std::optional<int64_t>(window - 1) : std::nullopt;
    std::optional<int64_t> right = window > 0 ? std::optional<int64_t>(0) : std::nullopt;
    auto r = at::_flash_attention_forward(*q, *k, *v, std::nullopt, std::nullopt, q->size(1), k->size(1), 0.0, true, false, scale, left, right);
    *out = new at::Tensor(std::get<0>(r));
  });
}

// Starts recording CPU operators and CUDA kernels (kineto).
char* fg_profile_begin() {
  return guarded([] {
    using namespace torch::profiler::impl;
    ProfilerConfig config(ProfilerState::KINETO);
    std::set<ActivityType> activities{ActivityType::CPU, ActivityType::CUDA};
    torch::autograd::profiler::prepareProfiler(config, activities);
    torch::autograd::profiler::enableProfiler(config, activities);
  });
}

// Stops recording and writes a Chrome trace (JSON) to `path`.
char* fg_profile_end(const char* path) {
  return guarded([&] { torch::autograd::profiler::disableProfiler()->save(path); });
}

// Gives the kernels' source (src/kernels.cu) and compiles them for `head_dim` and `hidden` on this GPU now, so
// that no compilation waits until a graph capture.
char* fg_kernels_init(const char* source, int64_t head_dim, int64_t hidden) {
  return guarded([&] {
    {
      std::lock_guard<std::mutex> hold(kernels::modules_lock);
      if (kernels::source.empty()) kernels::source = source;
    }
    kernels::module(head_dim, hidden);
  });
}

// The fused q/k/v preparation (kernels::QkvPrep), differentiable: *q, *k, *v new tensors owned by
// the caller.
char* fg_qkv_prep(at::Tensor* qkv, at::Tensor* q_w, at::Tensor* k_w, at::Tensor* cos, at::Tensor* sin, int64_t pos0, int64_t heads, int64_t kv, double eps, at::Tensor** q, at::Tensor** k,
                  at::Tensor** v) {
  return guarded([&] {
    auto out = kernels::QkvPrep::apply(*qkv, *q_w, *k_w, *cos, *sin, pos0, heads, kv, eps);
    *q = new at::Tensor(out[0]);
    *k = new at::Tensor(out[1]);
    *v = new at::Tensor(out[2]);
  });
}

// The fused GeGLU (kernels::Geglu), differentiable: *out a new tensor owned by the caller.
char* fg_geglu(at::Tensor* gu, at::Tensor** out) {
  return guarded([&] { *out = new at::Tensor(kernels::Geglu::apply(*gu)[0]); });
}

// kernels::cross_entropy_rows: *loss a new tensor owned by the caller.
char* fg_cross_entropy_rows(at::Tensor* logits, at::Tensor* targets, at::Tensor** loss) {
  return guarded([&] { *loss = new at::Tensor(kernels::cross_entropy_rows(*logits, *targets)); });
}

// kernels::Junction: *y and (with w_pre) *n new tensors owned by the caller; w_pre may be null.
char* fg_junction(at::Tensor* x, at::Tensor* o, at::Tensor* w_post, at::Tensor* w_pre, double eps, at::Tensor** y, at::Tensor** n) {
  return guarded([&] {
    auto out = kernels::Junction::apply(*x, *o, *w_post, w_pre ? *w_pre : *w_post, w_pre != nullptr, eps);
    *y = new at::Tensor(out[0]);
    *n = out.size() > 1 ? new at::Tensor(out[1]) : nullptr;
  });
}
}
