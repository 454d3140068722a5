#include "analysis/CatchHandlers.h"

#include "utils/AstUtil.h"
#include "clang/AST/StmtCXX.h"

using namespace clang;

namespace mapguard {

bool CatchHandlers::entersHandler(const CFGBlock &From, const CFGBlock &To) const {
  return !isDispatch(From) || isa_and_nonnull<CXXCatchStmt>(To.getLabel());
}

CatchHandlers::CatchHandlers(const FunctionCfg &Function, const PostOrderCFGView &Order) {
  const CFG &Cfg = Function.cfg();
  Dispatch.resize(Cfg.getNumBlockIDs());
  if (Cfg.try_blocks_begin() == Cfg.try_blocks_end())
    return;
  llvm::BitVector Seen(Cfg.getNumBlockIDs());
  for (const CFGBlock *Block : Order)
    Seen.set(Block->getBlockID());
  // A try inside a handler begins in the blocks of the handler: repeat until no try is left.
  SmallVector<const CFGBlock *, 4> Pending(Cfg.try_blocks_begin(), Cfg.try_blocks_end());
  for (bool Progress = true; Progress;) {
    Progress = false;
    for (const CFGBlock *&Dispatcher : Pending) {
      if (!Dispatcher || Seen.test(Dispatcher->getBlockID()))
        continue;
      const auto *Try = dyn_cast_or_null<CXXTryStmt>(Dispatcher->getTerminatorStmt());
      if (!Try || Try->getTryBlock()->body_empty())
        continue;
      if (auto Start = findStart(*Try, Function, Order)) {
        addHandlers(*Start, Dispatcher, Seen);
        Progress = true;
        Dispatcher = nullptr;
      }
    }
  }
}

/// The try body's first element: in reverse post-order, the body's entry (which every path into
/// the body passes) comes before the rest of it; a handler's blocks are in the order they were added.
std::optional<std::pair<const CFGBlock *, unsigned>>
CatchHandlers::findStart(const CXXTryStmt &Try, const FunctionCfg &Function, const PostOrderCFGView &Order) const {
  for (const CFGBlock *Block : llvm::concat<const CFGBlock *const>(llvm::make_range(Order.begin(), Order.end()),
                                                                   llvm::ArrayRef<const CFGBlock *>(Blocks)))
    for (unsigned I = 0; I < Block->size(); ++I)
      if (std::optional<CFGStmt> Element = (*Block)[I].getAs<CFGStmt>();
          Element && contains(Try.getTryBlock(), Element->getStmt(), Function.parents()))
        return std::make_pair(Block, I);
  return std::nullopt;
}

void CatchHandlers::addHandlers(std::pair<const CFGBlock *, unsigned> Start, const CFGBlock *Dispatcher,
                                llvm::BitVector &Seen) {
  Starts[Start.first->getBlockID()].push_back({Start.second, Dispatcher});
  Dispatch.set(Dispatcher->getBlockID());
  SmallVector<const CFGBlock *, 8> Work{Dispatcher};
  Seen.set(Dispatcher->getBlockID());
  while (!Work.empty()) {
    const CFGBlock *Block = Work.pop_back_val();
    Blocks.push_back(Block);
    for (const CFGBlock::AdjacentBlock &Succ : Block->succs())
      if (const CFGBlock *Next = Succ.getReachableBlock();
          Next && !Seen.test(Next->getBlockID()) && (Block != Dispatcher || entersHandler(*Block, *Next))) {
        Seen.set(Next->getBlockID());
        Work.push_back(Next);
      }
  }
}

ArrayRef<CatchHandlers::TryStart> CatchHandlers::startsIn(const CFGBlock &Block) const {
  auto It = Starts.find(Block.getBlockID());
  return It == Starts.end() ? ArrayRef<TryStart>() : ArrayRef<TryStart>(It->second);
}

} // namespace mapguard
