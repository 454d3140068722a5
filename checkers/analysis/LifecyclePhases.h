// The phases of an object's life in which its threads do not run: in the function that starts the
// threads it keeps in members (`Start()` filling its tables, then `worker_ = std::thread(...)`),
// before the start on every path; in a function that stops them (joins them, or calls a function
// that does), after the stop on every path (`Stop()` clearing its tables after the join); and in a
// helper called only from such places (`Load()` called by `Start()` before the start). Accesses
// there are not judged, as in a constructor or destructor. Read from bodies; a stop whose body this
// unit cannot see is known by its name (`StopIOService`, `m_Requests->Stop()`, `join_all`).
#ifndef MAPGUARD_CHECKERS_ANALYSIS_LIFECYCLEPHASES_H
#define MAPGUARD_CHECKERS_ANALYSIS_LIFECYCLEPHASES_H

#include "analysis/FunctionCfg.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"

namespace mapguard {

class LifecyclePhases {
public:
  LifecyclePhases(FunctionCfgCache &Cfgs, clang::ASTContext &Ctx) : Cfgs(Cfgs), Ctx(Ctx) {}

  /// A call that starts a thread the object keeps in a member.
  void addStart(const clang::Expr *Start) { Starts.insert(Start); }
  /// A direct call of \p Callee made by \p Caller's own code (not in a callable it hands over).
  void addCallSite(const clang::FunctionDecl *Callee, const clang::FunctionDecl *Caller, const clang::CallExpr *Call);
  /// Decides which helpers run only outside sharing (transitively, up to \p MaxDepth rounds).
  void compute(unsigned MaxDepth);

  /// Whether \p S, in \p Fn's own code, runs while the object's threads do not.
  bool outsideSharing(const clang::FunctionDecl *Fn, const clang::Stmt *S);
  /// Whether \p Fn runs outside sharing only because a constructor or destructor calls it on its
  /// own object: only that object's state is not shared there.
  bool onlyTheObjectUnshared(const clang::FunctionDecl *Fn) const {
    return DuringConstruction.contains(Fn->getCanonicalDecl());
  }

private:
  struct CallSite {
    const clang::FunctionDecl *Caller;
    const clang::CallExpr *Call;
  };
  /// Whether \p Call stops threads: it joins one, or calls a function that does (read from its
  /// body, a few calls deep; by its name when the body is not visible).
  bool stopsThreads(const clang::CallExpr *Call, unsigned Depth);
  llvm::ArrayRef<CFGPoint> stopPoints(const FunctionCfg &Cfg);

  FunctionCfgCache &Cfgs;
  clang::ASTContext &Ctx;
  llvm::DenseSet<const clang::Expr *> Starts;
  llvm::DenseMap<const clang::FunctionDecl *, llvm::SmallVector<CallSite, 2>> CallSites;
  llvm::DenseSet<const clang::FunctionDecl *> OutsideSharing;     // helpers called only outside sharing
  llvm::DenseSet<const clang::FunctionDecl *> DuringConstruction; // ... some of them by a constructor or destructor
  llvm::DenseMap<const FunctionCfg *, llvm::SmallVector<CFGPoint, 2>> StopPoints;
  llvm::DenseMap<const clang::FunctionDecl *, bool> Stops; // memo of stopsThreads by callee
};

} // namespace mapguard

#endif
