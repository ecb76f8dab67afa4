// libtorch's CUDA parts that tch does not expose, as a C face for src/torch_cuda.rs: CUDA-graph
// capture and replay (at::cuda::CUDAGraph), flash attention with a sliding window
// (at::_flash_attention_forward, differentiable), and the kineto profiler.
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

#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>

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
}
