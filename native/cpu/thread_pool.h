// A persistent pool for the CPU backend with dynamic chunk claiming: run(chunks, f) calls f(k)
// for every k in [0, chunks) exactly once; the calling thread and the workers claim chunks from a
// shared counter. A worker that the OS has not scheduled yet simply finds no chunk left: on a
// loaded machine (more runnable threads than cores) the caller does the work itself instead of
// waiting a scheduler quantum at a barrier. Results must not depend on which thread ran a chunk
// (callers write per-chunk outputs), so they are deterministic.
// One caller at a time (the backend's owner thread); not re-entrant.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hppo {

class ThreadPool {
 public:
  // state_ = generation << 40 | total << 20 | next chunk (see work()).
  static constexpr int kBits = 20;
  static constexpr int kGenShift = 2 * kBits;
  static constexpr std::uint64_t kField = (std::uint64_t{1} << kBits) - 1;
  static constexpr std::uint64_t kGenMask = (std::uint64_t{1} << (64 - kGenShift)) - 1;
  explicit ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads) {
    for (int t = 1; t < threads_; ++t) workers_.emplace_back([this] { loop(); });
  }
  ~ThreadPool() {
    stop_.store(true);
    {
      std::lock_guard<std::mutex> lk(mu_);
      state_.fetch_add(std::uint64_t{1} << kGenShift);
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }

  static constexpr std::int64_t kMaxChunks = (std::int64_t{1} << kBits) - 1;

  void run(std::int64_t chunks, const std::function<void(std::int64_t)>& f) {
    if (chunks <= 0) return;
    if (threads_ == 1 || chunks == 1 || chunks > kMaxChunks) {
      for (std::int64_t k = 0; k < chunks; ++k) f(k);
      return;
    }
    job_.store(&f, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    const std::uint64_t gen = ((state_.load(std::memory_order_relaxed) >> kGenShift) + 1) & kGenMask;
    state_.store((gen << kGenShift) | (static_cast<std::uint64_t>(chunks) << kBits), std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lk(mu_);
      cv_.notify_all();
    }
    work(gen);
    while (done_.load(std::memory_order_acquire) != chunks) std::this_thread::yield();
  }

 private:
  // state_ = generation << 40 | total << 20 | next chunk. The total lives in the same word as the
  // claim counter, so a successful claim (CAS) proves the generation is current and unfinished;
  // job_ is rewritten only after every chunk of a generation is done, so the job read before the
  // claim is that generation's.

  // Claims and runs chunks of generation `gen` until none is left (or a newer generation began).
  void work(std::uint64_t gen) {
    for (;;) {
      std::uint64_t s = state_.load(std::memory_order_acquire);
      if ((s >> kGenShift) != gen) return;
      const std::uint64_t total = (s >> kBits) & kField;
      const std::uint64_t k = s & kField;
      if (k >= total) return;
      const std::function<void(std::int64_t)>* job = job_.load(std::memory_order_relaxed);
      if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) continue;
      (*job)(static_cast<std::int64_t>(k));
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  void loop() {
    std::uint64_t seen = 0;
    for (;;) {
      std::uint64_t g = state_.load(std::memory_order_acquire) >> kGenShift;
      for (int spins = 0; g == seen && spins < 2000; ++spins) {
        if ((spins & 31) == 31) std::this_thread::yield();
        g = state_.load(std::memory_order_acquire) >> kGenShift;
      }
      if (g == seen) {
        std::unique_lock<std::mutex> lk(mu_);
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        cv_.wait(lk, [&] { return (state_.load(std::memory_order_seq_cst) >> kGenShift) != seen; });
        sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        g = state_.load(std::memory_order_acquire) >> kGenShift;
      }
      seen = g;
      if (stop_.load()) return;
      work(g);
    }
  }

  int threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<std::uint64_t> state_{0};
  std::atomic<std::int64_t> done_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::atomic<const std::function<void(std::int64_t)>*> job_{nullptr};
};

}  // namespace hppo
