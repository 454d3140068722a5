#include "SeenReport.h"

#include <algorithm>

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
/// \p Into and \p Other are one container seen from two units.
void merge(SeenContainer &Into, SeenContainer Other) {
  // An instance's view is the compiler's: a template's definition leaves its calls unresolved.
  if (Into.InTemplate != Other.InTemplate) {
    if (Into.InTemplate)
      Into = std::move(Other);
    return;
  }
  std::string LeftOut = !Into.LeftOut.empty() ? Into.LeftOut : Other.LeftOut;
  if (LeftOut.empty() && (Into.Guard != Other.Guard || Into.Mutex != Other.Mutex))
    LeftOut = "the units that use it infer different guards";
  std::vector<SeenEdit> Edits = std::move(Into.Edits);
  Edits.insert(Edits.end(), Other.Edits.begin(), Other.Edits.end());
  std::vector<SeenAccess> Without = std::move(Into.Without);
  Without.insert(Without.end(), Other.Without.begin(), Other.Without.end());
  if (Other.Counted > Into.Counted) // the guard and counts of the unit that saw most accesses
    Into = std::move(Other);
  llvm::sort(Edits);
  Edits.erase(std::unique(Edits.begin(), Edits.end()), Edits.end());
  auto Place = [](const SeenAccess &A) { return std::tie(A.File, A.Line, A.What); };
  llvm::sort(Without, [&](const SeenAccess &A, const SeenAccess &B) { return Place(A) < Place(B); });
  Without.erase(std::unique(Without.begin(), Without.end(),
                            [&](const SeenAccess &A, const SeenAccess &B) { return Place(A) == Place(B); }),
                Without.end());
  Into.Without = std::move(Without);
  Into.Edits = LeftOut.empty() ? std::move(Edits) : std::vector<SeenEdit>();
  Into.LeftOut = std::move(LeftOut);
}
} // namespace

void SeenAccumulator::add(const Json &Facts) {
  if (!Facts.is_object())
    return;
  Reported = true;
  for (const Json &C : Facts.value("containers", Json::array())) {
    SeenContainer Entry{C.value("name", ""),
                        C.value("file", ""),
                        C.value("guard", ""),
                        C.value("mutex", ""),
                        C.value("line", 0U),
                        C.value("heldAt", 0U),
                        C.value("counted", 0U),
                        {},
                        {},
                        {}};
    for (const Json &Access : C.value("without", Json::array()))
      Entry.Without.push_back({Access.value("file", ""), Access.value("what", ""), Access.value("line", 0U)});
    const Json Annotation = C.value("annotation", Json::object());
    Entry.LeftOut = Annotation.value("leftOut", "");
    Entry.InTemplate = C.value("inTemplate", false);
    for (const Json &Edit : Annotation.value("edits", Json::array()))
      Entry.Edits.push_back({Edit.value("file", ""), Edit.value("text", ""), Edit.value("target", ""),
                             Edit.value("offset", 0U), Edit.value("line", 0U)});
    auto [It, Inserted] = Containers.try_emplace({Entry.File, Entry.Line, Entry.Name}, Entry);
    if (!Inserted)
      merge(It->second, std::move(Entry));
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
    if (C.Guard == "inferred") {
      Json Edits = Json::array();
      for (const SeenEdit &Edit : C.Edits)
        Edits.push_back(Json{{"file", Edit.File},
                             {"offset", Edit.Offset},
                             {"line", Edit.Line},
                             {"text", Edit.Text},
                             {"target", Edit.Target}});
      Entry["annotation"] = C.LeftOut.empty() ? Json{{"edits", Edits}} : Json{{"leftOut", C.LeftOut}};
    }
    if (!C.Without.empty()) {
      Json Without = Json::array();
      for (const SeenAccess &Access : C.Without)
        Without.push_back(Json{{"file", Access.File}, {"line", Access.Line}, {"what", Access.What}});
      Entry["without"] = std::move(Without);
    }
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

void printGuards(llvm::raw_ostream &OS, const WhatWasSeen &Seen) {
  // By the class (or namespace) that declares them: what `A::B::items_` names without its last part.
  std::map<std::string, std::vector<const SeenContainer *>> ByOwner;
  for (const SeenContainer &C : Seen.Containers) {
    llvm::StringRef Name(C.Name);
    size_t Last = Name.rfind("::");
    ByOwner[Last == llvm::StringRef::npos ? std::string("(global)") : Name.take_front(Last).str()].push_back(&C);
  }
  if (ByOwner.empty()) {
    OS << "mapguard: no shared container of the project's code in the analysed units\n";
    return;
  }
  for (const auto &[Owner, Containers] : ByOwner) {
    OS << Owner << "\n";
    for (const SeenContainer *C : Containers) {
      llvm::StringRef Name(C->Name);
      size_t Last = Name.rfind("::");
      OS << "  " << (Last == llvm::StringRef::npos ? Name : Name.drop_front(Last + 2)) << " (" << C->File << ":"
         << C->Line << "): ";
      if (C->Guard == "annotated")
        OS << "guarded by '" << C->Mutex << "' (annotated)";
      else if (C->Guard == "inferred")
        OS << "guarded by '" << C->Mutex << "' (inferred: held at " << C->HeldAt << " of " << C->Counted
           << " accesses)";
      else
        OS << "no guard (no mutex is held at half of its accesses or more)";
      OS << "\n";
      for (const SeenAccess &Access : C->Without)
        OS << "    without '" << C->Mutex << "': " << Access.File << ":" << Access.Line << " (" << Access.What << ")\n";
    }
  }
}

} // namespace mapguard
