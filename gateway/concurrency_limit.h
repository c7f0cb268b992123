// ConcurrencyLimit: at most N requests in progress at once; the rest are refused (503) at once
// rather than queued behind a slow bus.
//
// TryAcquire hands out a move-only Permit that frees its slot when destroyed; the limit must
// outlive its permits. Thread-safe (one atomic counter).
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>

namespace mcf::gateway {

class ConcurrencyLimit {
 public:
  class Permit {
   public:
    Permit(Permit&& other) noexcept : limit_(other.limit_) { other.limit_ = nullptr; }
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

   private:
    friend class ConcurrencyLimit;
    explicit Permit(ConcurrencyLimit* limit) : limit_(limit) {}
    ConcurrencyLimit* limit_;
  };

  // REQUIRES: max >= 1.
  explicit ConcurrencyLimit(size_t max) : max_(max) {}

  // A permit when fewer than max are held; nullopt when full.
  std::optional<Permit> TryAcquire();
  size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  size_t max() const { return max_; }

 private:
  const size_t max_;
  std::atomic<size_t> in_use_{0};
};

}  // namespace mcf::gateway
