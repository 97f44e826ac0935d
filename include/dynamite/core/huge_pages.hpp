// An allocator for large tables that are read at scattered places (the force-field stencil tables):
// blocks on 2 MB boundaries with transparent huge pages requested, so that the reads do not miss the
// processor's first-level TLB at every other 4 KB page. Only a hint: where the kernel does not
// provide huge pages the memory behaves as any other.
#pragma once

#include <cstddef>
#include <cstdlib>

namespace dynamite::core {

/// `bytes` rounded up to whole 2 MB pages, 2 MB aligned, huge pages requested (madvise). Free with
/// std::free. Throws std::bad_alloc.
void* allocate_huge(std::size_t bytes);

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_huge(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) { std::free(p); }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

}  // namespace dynamite::core
