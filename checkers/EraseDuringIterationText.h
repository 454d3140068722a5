// The wording erase-during-iteration's two source files share (EraseDuringIterationCheck.cpp:
// range-for and callbacks; EraseDuringIterationIterators.cpp: iterator rules).
#ifndef MAPGUARD_CHECKERS_ERASEDURINGITERATIONTEXT_H
#define MAPGUARD_CHECKERS_ERASEDURINGITERATIONTEXT_H

#include "analysis/ContainerMutations.h"
#include "clang/AST/ExprCXX.h"
#include <string>

namespace mapguard::erase_text {

inline bool isEraseLike(const ContainerOpSite &Op) {
  return Op.Kind == ContainerOpKind::Erase && Op.OpName != "clear" && Op.OpName != "merge";
}

/// How the message names the function called at an indirect site: a lambda by its variable.
inline std::string calleeName(const ContainerOpSite &Op) {
  if (const auto *Call = clang::dyn_cast<clang::CXXOperatorCallExpr>(Op.SiteCall); Call && Call->getNumArgs() > 0)
    if (const auto *Lambda = clang::dyn_cast<clang::DeclRefExpr>(Call->getArg(0)->IgnoreParenImpCasts()))
      return Lambda->getDecl()->getNameAsString();
  return Op.Callee->getNameAsString();
}

/// "'erase' on 'm'", or "call to 'f', which calls 'erase' on 'm',".
inline std::string changeSubject(const ContainerOpSite &Op, llvm::StringRef Container) {
  std::string Subject = "'" + Op.OpName + "' on '" + Container.str() + "'";
  if (!Op.Callee)
    return Subject;
  std::string Through = "call to '" + calleeName(Op) + "', which calls ";
  Through += Subject;
  Through += ",";
  return Through;
}

} // namespace mapguard::erase_text

#endif // MAPGUARD_CHECKERS_ERASEDURINGITERATIONTEXT_H
