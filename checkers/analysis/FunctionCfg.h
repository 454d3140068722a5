// Clang CFGs for the functions a check looks at, built once per function and translation unit,
// with the options the flow analyses need (implicit destructors end a guard's lock).
#ifndef MAPGUARD_CHECKERS_ANALYSIS_FUNCTIONCFG_H
#define MAPGUARD_CHECKERS_ANALYSIS_FUNCTIONCFG_H

#include "clang/AST/ParentMap.h"
#include "clang/Analysis/CFG.h"
#include "clang/Analysis/CFGStmtMap.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/FunctionExtras.h"
#include <memory>

namespace mapguard {

/// One element of a CFG: its block and its index there.
struct CFGPoint {
  const clang::CFGBlock *Block = nullptr;
  unsigned Index = 0;
  bool valid() const { return Block != nullptr; }
  bool operator==(const CFGPoint &O) const { return Block == O.Block && Index == O.Index; }
};

/// Read from the source, for a loop the CFG does not follow (a range-for over a container of
/// dependent type, in a template's definition, or a function with no CFG): a `break`, `return`,
/// `throw` or `goto` after the statement holding \p S, in a block between it and \p Loop, leaves
/// the loop before its next iteration; a `continue` first, or a nested loop or switch, does not.
bool leavesLoopSyntactically(const clang::Stmt *S, const clang::Stmt *Loop, const clang::ParentMap &Parents);

class FunctionCfg {
public:
  FunctionCfg(const clang::FunctionDecl *Fn, clang::ASTContext &Ctx);
  bool valid() const { return Cfg != nullptr; }
  const clang::CFG &cfg() const { return *Cfg; }
  const clang::ParentMap &parents() const { return *Parents; }

  /// The block that evaluates \p S (or its nearest enclosing statement that the CFG contains).
  const clang::CFGBlock *blockOf(const clang::Stmt *S) const;
  /// Whether the back edge of \p Loop (its condition block) can be reached from \p S, i.e. the loop
  /// may run another iteration after S without leaving it first (break, return, throw, goto). A
  /// path that leaves and re-enters the loop through its initialisation (an outer loop restarting a
  /// range-for from begin()) is a new iteration, not the next one.
  bool mayContinueLoopAfter(const clang::Stmt *S, const clang::Stmt *Loop) const;

  /// The element that evaluates \p S (invalid if the CFG does not contain it).
  CFGPoint pointOf(const clang::Stmt *S) const;
  /// Where the element at \p At is in the source: its statement, or the end of the scope whose
  /// exit runs a destructor.
  static clang::SourceLocation locationOf(CFGPoint At);
  /// Whether some path runs \p To after \p From without running any of \p Avoid in between (the
  /// re-bindings of a variable, say). A point does not reach itself unless a cycle leads back to it.
  bool reaches(CFGPoint From, CFGPoint To, llvm::ArrayRef<CFGPoint> Avoid = {}) const;

  /// Whether \p S may run more than once in one call (it sits on a cycle: a loop, a goto).
  bool mayRunAgain(const clang::Stmt *S) const;

  enum class Visit { Continue, StopPath, Done };
  /// Visits the CFG elements (statements, lifetime ends, destructors) that may run after \p S, in
  /// CFG order along each path, each block once. The visitor stops a path (StopPath) or the whole
  /// walk (Done).
  void forEachElementAfter(const clang::Stmt *S, llvm::function_ref<Visit(const clang::CFGElement &)> Visitor) const;

private:
  /// Whether a block satisfying \p Target can be reached from \p S's block by at least one edge,
  /// on a path that does not pass through \p Avoid.
  bool reachesFrom(const clang::Stmt *S, llvm::function_ref<bool(const clang::CFGBlock &)> Target,
                   const clang::CFGBlock *Avoid = nullptr) const;

  std::unique_ptr<clang::CFG> Cfg;
  std::unique_ptr<clang::ParentMap> Parents;
  std::unique_ptr<clang::CFGStmtMap> StmtToBlock;
};

/// One FunctionCfg per function; checks clear it at the end of each translation unit.
class FunctionCfgCache {
public:
  const FunctionCfg *get(const clang::FunctionDecl *Fn, clang::ASTContext &Ctx);
  void clear() { Cache.clear(); }

private:
  llvm::DenseMap<const clang::FunctionDecl *, std::unique_ptr<FunctionCfg>> Cache;
};

} // namespace mapguard

#endif
