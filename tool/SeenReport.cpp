#include "SeenReport.h"

namespace mapguard {
namespace {
using Json = nlohmann::ordered_json;

Json classJson(const SeenClass &Class) {
  Json Entry{{"name", Class.Name}, {"file", Class.File}, {"line", Class.Line}};
  if (!Class.How.empty())
    Entry["how"] = Class.How;
  return Entry;
}

SeenClass classOf(const Json &Entry) {
  return SeenClass{Entry.value("name", ""), Entry.value("file", ""), Entry.value("how", ""), Entry.value("line", 0U)};
}
} // namespace

void SeenAccumulator::add(const Json &Facts) {
  if (!Facts.is_object())
    return;
  Reported = true;
  for (const Json &C : Facts.value("containers", Json::array())) {
    SeenContainer Entry{C.value("name", ""), C.value("file", ""),   C.value("guard", ""),  C.value("mutex", ""),
                        C.value("line", 0U), C.value("heldAt", 0U), C.value("counted", 0U)};
    // A header's container, seen from several units: as the unit that saw most of its accesses.
    auto [It, Inserted] = Containers.try_emplace({Entry.File, Entry.Line, Entry.Name}, Entry);
    if (!Inserted && Entry.Counted > It->second.Counted)
      It->second = std::move(Entry);
  }
  for (const Json &C : Facts.value("lockClasses", Json::array()))
    LockClasses.try_emplace(C.value("name", ""), classOf(C));
  for (const Json &C : Facts.value("unmodelled", Json::array()))
    Unmodelled.try_emplace(C.value("name", ""), classOf(C));
}

WhatWasSeen SeenAccumulator::take() {
  WhatWasSeen Seen;
  Seen.Reported = Reported;
  for (auto &[Key, Container] : Containers)
    Seen.Containers.push_back(std::move(Container));
  for (auto &[Name, Class] : LockClasses)
    Seen.LockClasses.push_back(std::move(Class));
  for (auto &[Name, Class] : Unmodelled)
    if (!LockClasses.count(Name))
      Seen.Unmodelled.push_back(std::move(Class));
  return Seen;
}

Json seenJson(const WhatWasSeen &Seen) {
  Json Containers = Json::array(), LockClasses = Json::array(), Unmodelled = Json::array();
  for (const SeenContainer &C : Seen.Containers) {
    Json Entry{{"name", C.Name}, {"file", C.File}, {"line", C.Line}, {"guard", C.Guard}};
    if (C.Guard != "none")
      Entry.update(Json{{"mutex", C.Mutex}, {"heldAt", C.HeldAt}, {"counted", C.Counted}});
    Containers.push_back(std::move(Entry));
  }
  for (const SeenClass &Class : Seen.LockClasses)
    LockClasses.push_back(classJson(Class));
  for (const SeenClass &Class : Seen.Unmodelled)
    Unmodelled.push_back(classJson(Class));
  Json Summary{{"containers", Seen.Containers.size()},   {"annotated", Seen.count("annotated")},
               {"inferred", Seen.count("inferred")},     {"none", Seen.count("none")},
               {"lockClasses", Seen.LockClasses.size()}, {"unmodelled", Seen.Unmodelled.size()}};
  return Json{
      {"summary", Summary}, {"containers", Containers}, {"lockClasses", LockClasses}, {"unmodelled", Unmodelled}};
}

void printSeen(llvm::raw_ostream &OS, const WhatWasSeen &Seen) {
  if (!Seen.Reported)
    return;
  OS << "mapguard: seen: " << Seen.Containers.size() << " shared container(s) in the project's code ("
     << Seen.count("annotated") << " annotated, " << Seen.count("inferred") << " with an inferred guard, "
     << Seen.count("none") << " with none)";
  if (!Seen.LockClasses.empty()) {
    OS << "; the project's mutex classes:";
    const char *Separator = " ";
    for (const SeenClass &Class : Seen.LockClasses) {
      OS << Separator << "'" << Class.Name << "' (by " << Class.How << ")";
      Separator = ", ";
    }
  }
  OS << "\n";
  for (const SeenClass &Class : Seen.Unmodelled)
    OS << "mapguard: '" << Class.Name << "' (" << Class.File << ":" << Class.Line
       << ") has lock and unlock functions whose bodies no analysed unit shows, and no option names it: "
          "what it guards is not judged; name it in the Mutexes option, or in ExclusiveGuards if it is a guard "
          "(docs/model-options.md)\n";
}

} // namespace mapguard
