#include "UnitOutcomeYaml.h"

#include "clang/Tooling/DiagnosticsYaml.h"
#include "llvm/Support/YAMLTraits.h"

using clang::tidy::ClangTidyError;
using clang::tidy::ClangTidyStats;

namespace mapguard {
namespace {

struct SerializedDiagnostic {
  clang::tooling::Diagnostic Diagnostic;
  bool WarningAsError = false;
};

struct SerializedOutcome {
  std::vector<SerializedDiagnostic> Diagnostics;
  ClangTidyStats Stats;
  bool Crashed = false;
};

} // namespace
} // namespace mapguard

LLVM_YAML_IS_SEQUENCE_VECTOR(mapguard::SerializedDiagnostic)

namespace llvm::yaml {
template <> struct MappingTraits<mapguard::SerializedDiagnostic> {
  static void mapping(IO &Io, mapguard::SerializedDiagnostic &D) {
    Io.mapRequired("Diagnostic", D.Diagnostic);
    Io.mapOptional("WarningAsError", D.WarningAsError);
  }
};
template <> struct MappingTraits<mapguard::SerializedOutcome> {
  static void mapping(IO &Io, mapguard::SerializedOutcome &Outcome) {
    Io.mapRequired("Diagnostics", Outcome.Diagnostics);
    Io.mapRequired("Crashed", Outcome.Crashed);
    Io.mapOptional("ErrorsDisplayed", Outcome.Stats.ErrorsDisplayed);
    Io.mapOptional("ErrorsIgnoredCheckFilter", Outcome.Stats.ErrorsIgnoredCheckFilter);
    Io.mapOptional("ErrorsIgnoredNOLINT", Outcome.Stats.ErrorsIgnoredNOLINT);
    Io.mapOptional("ErrorsIgnoredNonUserCode", Outcome.Stats.ErrorsIgnoredNonUserCode);
    Io.mapOptional("ErrorsIgnoredLineFilter", Outcome.Stats.ErrorsIgnoredLineFilter);
  }
};
} // namespace llvm::yaml

namespace mapguard {

std::string serializeOutcome(const UnitOutcome &Outcome) {
  SerializedOutcome Serialized;
  for (const ClangTidyError &E : Outcome.Diagnostics)
    Serialized.Diagnostics.push_back({E, E.IsWarningAsError});
  Serialized.Stats = Outcome.Stats;
  Serialized.Crashed = Outcome.Status != UnitStatus::Completed;
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  llvm::yaml::Output Yaml(OS);
  Yaml << Serialized;
  OS.flush();
  return Text;
}

std::optional<UnitOutcome> parseOutcome(llvm::StringRef Text) {
  SerializedOutcome Serialized;
  // A damaged text is a failed read for the caller to handle, not a message on stderr.
  llvm::yaml::Input Yaml(Text, nullptr, [](const llvm::SMDiagnostic &, void *) {});
  Yaml >> Serialized;
  if (Yaml.error())
    return std::nullopt;
  UnitOutcome Outcome;
  Outcome.Stats = Serialized.Stats;
  Outcome.Status = Serialized.Crashed ? UnitStatus::Crashed : UnitStatus::Completed;
  for (auto &[D, WarningAsError] : Serialized.Diagnostics) {
    ClangTidyError E(D.DiagnosticName, D.DiagLevel, D.BuildDirectory, WarningAsError);
    E.Message = std::move(D.Message);
    E.Notes = std::move(D.Notes);
    Outcome.Diagnostics.push_back(std::move(E));
  }
  return Outcome;
}

} // namespace mapguard
