#include "Baseline.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include <set>

namespace mapguard {

using Json = nlohmann::ordered_json;

namespace {

/// The string at a JSON pointer ("/locations/0/..."), or "" when there is none. Walked by hand:
/// nlohmann's contains(json_pointer) instantiates a deprecated comparison (clang warns).
std::string stringAt(const Json &Value, llvm::StringRef Pointer) {
  const Json *Node = &Value;
  llvm::SmallVector<llvm::StringRef, 8> Tokens;
  Pointer.drop_front().split(Tokens, '/');
  for (llvm::StringRef Token : Tokens) {
    size_t Index = 0;
    if (Node->is_array() && !Token.getAsInteger(10, Index) && Index < Node->size()) {
      Node = &(*Node)[Index];
      continue;
    }
    if (!Node->is_object())
      return "";
    auto It = Node->find(Token.str());
    if (It == Node->end())
      return "";
    Node = &*It;
  }
  return Node->is_string() ? Node->get<std::string>() : "";
}

} // namespace

llvm::Expected<Baseline> Baseline::load(llvm::StringRef Path) {
  auto Fail = [&](const llvm::Twine &Why) {
    return llvm::createStringError(std::errc::invalid_argument, "baseline '%s': %s", Path.str().c_str(),
                                   Why.str().c_str());
  };
  auto Buffer = llvm::MemoryBuffer::getFile(Path);
  if (!Buffer)
    return Fail(Buffer.getError().message());
  Json Log = Json::parse((*Buffer)->getBuffer().begin(), (*Buffer)->getBuffer().end(), nullptr,
                         /*allow_exceptions=*/false);
  if (Log.is_discarded() || !Log.is_object())
    return Fail("not a JSON object");
  if (Log.value("version", "") != "2.1.0" || !Log.contains("runs") || !Log["runs"].is_array())
    return Fail("not a SARIF 2.1.0 log (no \"version\": \"2.1.0\" and \"runs\")");
  Baseline Result;
  for (const Json &Run : Log["runs"]) {
    if (!Run.contains("results") || !Run["results"].is_array())
      continue;
    for (const Json &R : Run["results"]) {
      // An absent result of an older comparison is not a finding of that run.
      if (!R.is_object() || R.value("baselineState", "") == "absent")
        continue;
      std::string Rule = stringAt(R, "/ruleId");
      std::string Uri = stringAt(R, "/locations/0/physicalLocation/artifactLocation/uri");
      std::string Hash = stringAt(R, "/partialFingerprints/primaryLocationLineHash");
      if (Rule.empty() || Uri.empty() || Hash.empty())
        continue;
      Json Copy = R;
      Copy.erase("baselineState");
      Result.Results.emplace(FindingIdentity{Rule, Uri, Hash}, std::move(Copy));
    }
  }
  return Result;
}

BaselineComparison Baseline::compare(llvm::ArrayRef<FindingIdentity> Findings) const {
  BaselineComparison Comparison;
  std::set<FindingIdentity> Found;
  for (const FindingIdentity &Identity : Findings) {
    Comparison.Unchanged.push_back(Results.count(Identity) > 0);
    Found.insert(Identity);
  }
  for (const auto &[Identity, Result] : Results)
    if (!Found.count(Identity))
      Comparison.Absent.push_back(Result);
  return Comparison;
}

} // namespace mapguard
