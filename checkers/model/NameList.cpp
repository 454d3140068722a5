#include "model/NameList.h"

#include "clang/AST/DeclCXX.h"
#include "llvm/ADT/StringExtras.h"

using namespace clang;

namespace mapguard {

NameList::NameList(StringRef SemicolonSeparated) {
  SmallVector<StringRef, 32> Parts;
  SemicolonSeparated.split(Parts, ';', -1, /*KeepEmpty=*/false);
  for (StringRef Part : Parts) {
    Part = Part.trim();
    if (Part.consume_front("::"); !Part.empty())
      Entries.push_back(Part.str());
  }
}

std::string NameList::normalizedName(const NamedDecl *D) {
  SmallVector<std::string, 4> Parts{D->getNameAsString()};
  for (const DeclContext *Ctx = D->getDeclContext(); Ctx; Ctx = Ctx->getParent()) {
    if (const auto *NS = dyn_cast<NamespaceDecl>(Ctx)) {
      if (!NS->isInline() && !NS->isAnonymousNamespace() && !NS->getName().starts_with("__"))
        Parts.push_back(NS->getName().str());
    } else if (const auto *Record = dyn_cast<RecordDecl>(Ctx)) {
      Parts.push_back(Record->getNameAsString());
    }
  }
  std::reverse(Parts.begin(), Parts.end());
  return llvm::join(Parts, "::");
}

bool NameList::nameMatches(StringRef Normalized, StringRef Configured) {
  if (Normalized == Configured)
    return true;
  // "boost::unordered_map" names boost::unordered::unordered_map, "tbb::concurrent_unordered_map"
  // names tbb::detail::d1::concurrent_unordered_map: libraries re-export from detail namespaces.
  auto [Outer, Leaf] = Configured.split("::");
  if (Leaf.empty() || Leaf.contains(':'))
    return false;
  auto [NormalizedOuter, Rest] = Normalized.split("::");
  return NormalizedOuter == Outer && (Rest == Leaf || Rest.rsplit("::").second == Leaf);
}

std::optional<StringRef> NameList::matchNormalized(StringRef Normalized) const {
  for (const std::string &Entry : Entries)
    if (nameMatches(Normalized, Entry))
      return StringRef(Entry);
  return std::nullopt;
}

std::optional<StringRef> NameList::match(const NamedDecl *D) const {
  if (!D || !D->getDeclName().isIdentifier())
    return std::nullopt;
  return matchNormalized(normalizedName(D));
}

bool NameList::contains(StringRef Entry) const { return llvm::is_contained(Entries, Entry); }

} // namespace mapguard
