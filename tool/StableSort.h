// A stable sort for the CLI's reports. std::stable_sort of libstdc++ 12 takes a temporary buffer
// through std::get_temporary_buffer, deprecated since C++17, and clang 22 warns at every use.
#ifndef MAPGUARD_TOOL_STABLESORT_H
#define MAPGUARD_TOOL_STABLESORT_H

#include <algorithm>
#include <numeric>
#include <vector>

namespace mapguard {

/// Sorts \p Items by \p Before, keeping the order of the items neither precedes.
template <typename T, typename Less> void stableSort(std::vector<T> &Items, Less Before) {
  std::vector<size_t> Order(Items.size());
  std::iota(Order.begin(), Order.end(), 0);
  std::sort(Order.begin(), Order.end(), [&](size_t A, size_t B) {
    if (Before(Items[A], Items[B]))
      return true;
    return !Before(Items[B], Items[A]) && A < B;
  });
  std::vector<T> Sorted;
  Sorted.reserve(Items.size());
  for (size_t I : Order)
    Sorted.push_back(std::move(Items[I]));
  Items = std::move(Sorted);
}

} // namespace mapguard

#endif // MAPGUARD_TOOL_STABLESORT_H
