// The catch handlers of a function's CFG. Clang builds the CFG without exception edges (one per
// call would multiply the blocks), so a try's dispatch block - the block whose terminator is the
// try statement and whose successors are the handlers - has no predecessor, and the handlers are
// out of reach from the entry. The lock-state engine runs them with the locks held where their
// try began: a guard taken inside the try body is released by the unwinding.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_CATCHHANDLERS_H
#define MAPGUARD_CHECKERS_ANALYSIS_CATCHHANDLERS_H

#include "analysis/FunctionCfg.h"
#include "clang/Analysis/Analyses/PostOrderCFGView.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>
#include <utility>
#include <vector>

namespace clang {
class CXXTryStmt;
} // namespace clang

namespace mapguard {

class CatchHandlers {
public:
  /// Where a try body begins: the first element of \p Block that belongs to it.
  struct TryStart {
    unsigned Element = 0;
    const clang::CFGBlock *Dispatch = nullptr;
  };

  CatchHandlers(const FunctionCfg &Function, const clang::PostOrderCFGView &Order);

  /// The blocks reached only through a dispatch block (the handlers and what only they reach),
  /// each dispatch block before its handlers.
  llvm::ArrayRef<const clang::CFGBlock *> blocks() const { return Blocks; }
  /// Whether \p Block is the dispatch block of a try whose start is known.
  bool isDispatch(const clang::CFGBlock &Block) const { return Dispatch.test(Block.getBlockID()); }
  /// Whether the edge \p From -> \p To is followed: not a dispatch block's edge to the code an
  /// exception no handler catches propagates to (the exit, an outer try). Which calls may throw is
  /// read from their code elsewhere (mapguard-manual-lock); a call of unseen code is no evidence.
  bool entersHandler(const clang::CFGBlock &From, const clang::CFGBlock &To) const;
  /// The tries that begin in \p Block.
  llvm::ArrayRef<TryStart> startsIn(const clang::CFGBlock &Block) const;

private:
  std::optional<std::pair<const clang::CFGBlock *, unsigned>>
  findStart(const clang::CXXTryStmt &Try, const FunctionCfg &Function, const clang::PostOrderCFGView &Order) const;
  void addHandlers(std::pair<const clang::CFGBlock *, unsigned> Start, const clang::CFGBlock *Dispatcher,
                   llvm::BitVector &Seen);

  std::vector<const clang::CFGBlock *> Blocks;
  llvm::DenseMap<unsigned, llvm::SmallVector<TryStart, 1>> Starts; // by block ID
  llvm::BitVector Dispatch;
};

} // namespace mapguard

#endif
