// "Every node of a kind under a statement": the one walk the checks and analyses use for their
// local questions (does this body wait, which lock calls does it make, where is this block),
// instead of a RecursiveASTVisitor struct of their own for each question.
#ifndef MAPGUARD_CHECKERS_UTILS_NODESUNDER_H
#define MAPGUARD_CHECKERS_UTILS_NODESUNDER_H

#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/Support/Casting.h"
#include <type_traits>

namespace mapguard {

/// Whether the walk enters lambda expressions. `Skip`: a lambda is a node of its own (visited as a
/// LambdaExpr) whose captures and body run elsewhere or later, so they are not walked.
enum class LambdaBodies { Enter, Skip };

namespace detail {
template <typename NodeT, typename VisitT> class NodeWalk : public clang::RecursiveASTVisitor<NodeWalk<NodeT, VisitT>> {
  static_assert(std::is_base_of_v<clang::Stmt, NodeT>, "a statement or expression kind");
  using Base = clang::RecursiveASTVisitor<NodeWalk<NodeT, VisitT>>;

public:
  NodeWalk(VisitT &Visit, LambdaBodies Lambdas) : Visit(Visit), Lambdas(Lambdas) {}
  bool VisitStmt(clang::Stmt *S) { // NOLINT(readability-identifier-naming): the visitor's name
    if (const auto *Node = llvm::dyn_cast<NodeT>(S))
      return Visit(Node);
    return true;
  }
  bool TraverseLambdaExpr(clang::LambdaExpr *Lambda) { // NOLINT(readability-identifier-naming)
    if (Lambdas == LambdaBodies::Enter)
      return Base::TraverseLambdaExpr(Lambda);
    return VisitStmt(Lambda);
  }

private:
  VisitT &Visit;
  LambdaBodies Lambdas;
};
} // namespace detail

/// Calls \p Visit on every node of kind NodeT under \p Root (\p Root included), in source order,
/// until it returns false. Returns false when it was stopped.
template <typename NodeT, typename VisitT>
bool forEachNodeUnder(const clang::Stmt *Root, VisitT &&Visit, LambdaBodies Lambdas = LambdaBodies::Enter) {
  if (!Root)
    return true;
  detail::NodeWalk<NodeT, std::remove_reference_t<VisitT>> Walk(Visit, Lambdas);
  return Walk.TraverseStmt(const_cast<clang::Stmt *>(Root));
}

/// Whether some node of kind NodeT under \p Root (\p Root included) satisfies \p Pred.
template <typename NodeT, typename PredT>
bool anyNodeUnder(const clang::Stmt *Root, PredT &&Pred, LambdaBodies Lambdas = LambdaBodies::Enter) {
  return !forEachNodeUnder<NodeT>(Root, [&](const NodeT *Node) { return !Pred(Node); }, Lambdas);
}

/// The first node of kind NodeT under \p Root (\p Root included), in source order, that satisfies
/// \p Pred; null if none does.
template <typename NodeT, typename PredT>
const NodeT *firstNodeUnder(const clang::Stmt *Root, PredT &&Pred, LambdaBodies Lambdas = LambdaBodies::Enter) {
  const NodeT *Found = nullptr;
  forEachNodeUnder<NodeT>(
      Root,
      [&](const NodeT *Node) {
        if (Pred(Node))
          Found = Node;
        return !Found;
      },
      Lambdas);
  return Found;
}

} // namespace mapguard

#endif
