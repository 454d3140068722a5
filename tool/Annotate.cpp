#include "Annotate.h"

#include "Driver.h"
#include "clang/Tooling/Core/Diagnostic.h"
#include "clang/Tooling/DiagnosticsYaml.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/YAMLTraits.h"
#include <map>
#include <set>

using namespace llvm;

namespace mapguard {
namespace {

/// The annotation's text without the spacing around it: `GUARDED_BY(mu_)`.
StringRef shown(const SeenEdit &Edit) { return StringRef(Edit.Text).trim(); }

/// Each edit once, with the first container that needs it (a helper's REQUIRES may serve two).
Error exportEdits(const std::vector<const SeenContainer *> &Annotated, StringRef Path) {
  clang::tooling::TranslationUnitDiagnostics Export;
  std::set<SeenEdit> Exported;
  for (const SeenContainer *C : Annotated) {
    clang::tooling::DiagnosticMessage Message("annotate '" + C->Name + "' with its guard '" + C->Mutex + "'");
    Message.FilePath = C->Edits.front().File;
    Message.FileOffset = C->Edits.front().Offset;
    for (const SeenEdit &Edit : C->Edits)
      if (Exported.insert(Edit).second)
        if (Error E = Message.Fix[Edit.File].add(clang::tooling::Replacement(Edit.File, Edit.Offset, 0, Edit.Text)))
          return E;
    Export.Diagnostics.emplace_back("mapguard-annotate", Message, SmallVector<clang::tooling::DiagnosticMessage, 1>{},
                                    clang::tooling::Diagnostic::Warning, "");
  }
  return writeFileAtomically(Path, [&](raw_ostream &OS) {
    yaml::Output YAML(OS);
    YAML << Export;
  });
}

/// Inserts the edits, each file's from its end so that the offsets stay right.
Error applyEdits(const std::vector<const SeenContainer *> &Annotated) {
  std::map<std::string, std::set<std::pair<unsigned, std::string>>> ByFile;
  for (const SeenContainer *C : Annotated)
    for (const SeenEdit &Edit : C->Edits)
      ByFile[Edit.File].insert({Edit.Offset, Edit.Text});
  for (const auto &[File, Edits] : ByFile) {
    auto Buffer = MemoryBuffer::getFile(File);
    if (!Buffer)
      return createStringError(Buffer.getError(), "cannot read '%s': %s", File.c_str(),
                               Buffer.getError().message().c_str());
    std::string Text = (*Buffer)->getBuffer().str();
    for (auto It = Edits.rbegin(); It != Edits.rend(); ++It) {
      if (It->first > Text.size())
        return createStringError(std::errc::invalid_argument,
                                 "'%s' changed since it was analysed; nothing of it was annotated", File.c_str());
      Text.insert(It->first, It->second);
    }
    if (Error E = writeFileAtomically(File, [&](raw_ostream &OS) { OS << Text; }))
      return E;
  }
  return Error::success();
}

} // namespace

Error annotate(const WhatWasSeen &Seen, const AnnotateRequest &Request, raw_ostream &OS) {
  std::vector<const SeenContainer *> Annotated;
  size_t Inferred = 0, Warnings = 0;
  for (const SeenContainer &C : Seen.Containers) {
    if (C.Guard != "inferred")
      continue;
    ++Inferred;
    OS << C.File << ":" << C.Line << ": '" << C.Name << "' (guarded by '" << C.Mutex << "' at " << C.HeldAt << " of "
       << C.Counted << " accesses): ";
    if (C.Edits.empty()) {
      OS << "left out: " << (C.LeftOut.empty() ? "nothing to write" : C.LeftOut) << "\n";
      continue;
    }
    Annotated.push_back(&C);
    const char *Separator = "";
    for (const SeenEdit &Edit : C.Edits) // the container's own, then its helpers'
      if (Edit.Target == C.Name) {
        OS << Separator << shown(Edit);
        Separator = "; ";
      }
    for (const SeenEdit &Edit : C.Edits)
      if (Edit.Target != C.Name) {
        OS << Separator << shown(Edit) << " on '" << Edit.Target << "'";
        Separator = ", ";
      }
    OS << "\n";
    Warnings += C.Without.size();
    for (const SeenAccess &Access : C.Without)
      OS << "    -Wthread-safety will report: " << Access.File << ":" << Access.Line << " (" << Access.What
         << " without '" << C.Mutex << "')\n";
  }
  std::set<SeenEdit> Distinct;
  for (const SeenContainer *C : Annotated)
    Distinct.insert(C->Edits.begin(), C->Edits.end());
  std::set<std::string> Files;
  for (const SeenEdit &Edit : Distinct)
    Files.insert(Edit.File);
  OS << "mapguard annotate: " << Annotated.size() << " of " << Inferred
     << " container(s) with an inferred guard annotated (" << Distinct.size() << " edit(s) in " << Files.size()
     << " file(s)), " << Inferred - Annotated.size() << " left out; -Wthread-safety will then report " << Warnings
     << " access(es) without the guard\n";
  if (!Request.ExportFixes.empty())
    if (Error E = exportEdits(Annotated, Request.ExportFixes))
      return createStringError(std::errc::io_error, "cannot write '%s': %s", Request.ExportFixes.c_str(),
                               toString(std::move(E)).c_str());
  if (Request.Apply)
    return applyEdits(Annotated);
  if (Request.Hint && Request.ExportFixes.empty() && !Annotated.empty())
    OS << "mapguard annotate: nothing written; --fix inserts the annotations, --export-fixes=<file> writes them "
          "for clang-apply-replacements\n";
  return Error::success();
}

} // namespace mapguard
