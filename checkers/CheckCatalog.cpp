#include "CheckCatalog.h"

namespace mapguard {
namespace {
const llvm::StringRef ContainerTags[] = {"correctness", "reliability", "iterator-invalidation"};

const CheckInfo Catalog[] = {
    {"mapguard-erase-during-iteration", "EraseDuringIteration",
     "A map or set is changed while a loop iterates over it, invalidating the loop's iterator.",
     "Erasing from, clearing, assigning or swapping an associative container inside a range-for over "
     "it - directly or through a function the loop calls - invalidates the iterator the loop "
     "advances next; so does an insert that may rehash an unordered or hash container. In an "
     "explicit iterator loop, using 'it' after 'C.erase(it)' without reassigning it is undefined "
     "behaviour. Use std::erase_if, 'it = C.erase(it)', or collect the changes and apply them after "
     "the loop.",
     "high", ContainerTags},
};
} // namespace

llvm::ArrayRef<CheckInfo> checkCatalog() { return Catalog; }

const CheckInfo *findCheck(llvm::StringRef Id) {
  for (const CheckInfo &Info : Catalog)
    if (Info.Id == Id)
      return &Info;
  return nullptr;
}

} // namespace mapguard
