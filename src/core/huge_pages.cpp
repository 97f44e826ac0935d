#include "dynamite/core/huge_pages.hpp"

#include <sys/mman.h>

#include <new>

namespace dynamite::core {

void* allocate_huge(std::size_t bytes) {
  constexpr std::size_t huge = std::size_t{2} << 20;
  const std::size_t size = (bytes + huge - 1) / huge * huge;  // aligned_alloc needs a multiple
  void* p = std::aligned_alloc(huge, size == 0 ? huge : size);
  if (!p) throw std::bad_alloc();
  madvise(p, size == 0 ? huge : size, MADV_HUGEPAGE);  // a hint; errors (no THP) change nothing
  return p;
}

}  // namespace dynamite::core
