#include "analysis/ReentrantCallbacks.h"

#include "model/NameList.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace clang;

namespace mapguard {
namespace {
/// Type-erased callables: what they run is decided at run time, out of the unit's sight.
bool isTypeErasedCallable(const CXXRecordDecl *Record) {
  static constexpr StringRef Names[] = {"std::function",        "std::move_only_function", "std::copyable_function",
                                        "std::function_ref",    "boost::function",         "absl::AnyInvocable",
                                        "absl::FunctionRef",    "folly::Function",         "folly::FunctionRef"};
  if (!Record)
    return false;
  std::string Name = NameList::normalizedName(Record);
  return llvm::is_contained(Names, Name);
}

std::string nameOf(const Expr *E) {
  E = E->IgnoreParenImpCasts();
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
    return Ref->getDecl()->getNameAsString();
  if (const auto *Member = dyn_cast<MemberExpr>(E))
    return Member->getMemberDecl()->getNameAsString();
  return "callback";
}

/// Fields that \p Fn tests in a condition (`if (notifying_) { pending_.push_back(id); return; }`).
llvm::SmallPtrSet<const FieldDecl *, 4> fieldsTestedIn(const FunctionDecl *Fn) {
  struct Scan : RecursiveASTVisitor<Scan> {
    llvm::SmallPtrSet<const FieldDecl *, 4> Fields;
    void collect(const Stmt *Cond) {
      struct Members : RecursiveASTVisitor<Members> {
        llvm::SmallPtrSet<const FieldDecl *, 4> &Out;
        explicit Members(llvm::SmallPtrSet<const FieldDecl *, 4> &Out) : Out(Out) {}
        bool VisitMemberExpr(MemberExpr *E) {
          if (const auto *Field = dyn_cast<FieldDecl>(E->getMemberDecl()))
            Out.insert(Field);
          return true;
        }
      } Visitor(Fields);
      Visitor.TraverseStmt(const_cast<Stmt *>(Cond));
    }
    bool VisitIfStmt(IfStmt *If) {
      collect(If->getCond());
      return true;
    }
    bool VisitConditionalOperator(ConditionalOperator *Op) {
      collect(Op->getCond());
      return true;
    }
  } Tested;
  Tested.TraverseStmt(Fn->getBody());
  return Tested.Fields;
}

/// Whether \p Fn assigns one of \p Fields (`notifying_ = true;`, `++depth_;`).
bool assignsAny(const FunctionDecl *Fn, const llvm::SmallPtrSet<const FieldDecl *, 4> &Fields) {
  struct Scan : RecursiveASTVisitor<Scan> {
    const llvm::SmallPtrSet<const FieldDecl *, 4> &Fields;
    bool Found = false;
    explicit Scan(const llvm::SmallPtrSet<const FieldDecl *, 4> &Fields) : Fields(Fields) {}
    bool isField(const Expr *E) {
      const auto *Member = dyn_cast<MemberExpr>(E->IgnoreParenImpCasts());
      return Member && Fields.contains(dyn_cast<FieldDecl>(Member->getMemberDecl()));
    }
    bool VisitBinaryOperator(BinaryOperator *Op) {
      Found |= Op->isAssignmentOp() && isField(Op->getLHS());
      return !Found;
    }
    bool VisitUnaryOperator(UnaryOperator *Op) {
      Found |= Op->isIncrementDecrementOp() && isField(Op->getSubExpr());
      return !Found;
    }
    bool VisitCXXOperatorCallExpr(CXXOperatorCallExpr *Op) {
      Found |= (Op->isAssignmentOp() || Op->getOperator() == OO_PlusPlus || Op->getOperator() == OO_MinusMinus) &&
               Op->getNumArgs() > 0 && isField(Op->getArg(0));
      return !Found;
    }
  } Assigns(Fields);
  Assigns.TraverseStmt(Fn->getBody());
  return Assigns.Found;
}
} // namespace

llvm::SmallVector<ReentrantCall, 2> ReentrantCallbacks::opaqueCalls(const Stmt *Body) {
  struct Scan : RecursiveASTVisitor<Scan> {
    llvm::SmallVector<ReentrantCall, 2> Calls;
    bool TraverseLambdaExpr(LambdaExpr *) { return true; } // created here, run elsewhere
    bool VisitCallExpr(CallExpr *Call) {
      if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(Call)) {
        if (Op->getOperator() == OO_Call && Op->getNumArgs() > 0 &&
            isTypeErasedCallable(Op->getArg(0)->getType()->getAsCXXRecordDecl()))
          Calls.push_back({Call, nameOf(Op->getArg(0))});
        return true;
      }
      if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call)) {
        const CXXMethodDecl *Method = Member->getMethodDecl();
        const Expr *Object = Member->getImplicitObjectArgument();
        bool OnThis = Object && isa<CXXThisExpr>(Object->IgnoreParenImpCasts());
        if (Method && Method->isVirtual() && !Method->hasAttr<FinalAttr>() &&
            !Method->getParent()->hasAttr<FinalAttr>() && !OnThis)
          Calls.push_back({Call, Method->getNameAsString()});
        return true;
      }
      if (!Call->getDirectCallee() && !isa<CXXPseudoDestructorExpr>(Call->getCallee()->IgnoreParenImpCasts())) {
        QualType Callee = Call->getCallee()->IgnoreParenImpCasts()->getType();
        if (Callee->isFunctionPointerType() || Callee->isMemberFunctionPointerType() ||
            isa<BinaryOperator>(Call->getCallee()->IgnoreParens()))
          Calls.push_back({Call, nameOf(Call->getCallee())});
      }
      return true;
    }
  } Found;
  Found.TraverseStmt(const_cast<Stmt *>(Body));
  return Found.Calls;
}

std::optional<ContainerEraser> ReentrantCallbacks::eraserOf(const FieldDecl *Field, const ContainerTraits &Traits,
                                                            const FunctionDecl *LoopFn, ASTContext &Ctx) {
  auto [It, Inserted] = Erasers.try_emplace(Field);
  if (Inserted) {
    ObjectPathResolver Resolver(Ctx);
    ContainerOpFinder Finder(Model, Resolver, MaxCallDepth, Summaries);
    ObjectPath Target = ObjectPath::thisObject().withField(Field);
    const auto *Class = cast<CXXRecordDecl>(Field->getParent());
    for (const CXXMethodDecl *Method : Class->methods()) {
      const FunctionDecl *Definition = nullptr;
      if (Method->getAccess() == AS_private || Method->isStatic() || isa<CXXConstructorDecl, CXXDestructorDecl>(Method) ||
          Method->isCopyAssignmentOperator() || Method->isMoveAssignmentOperator() || !Method->getBody(Definition))
        continue;
      for (const ContainerOpSite &Op : Finder.find(Definition->getBody(), Target)) {
        bool Invalidates = Op.Kind == ContainerOpKind::Erase || Op.Kind == ContainerOpKind::Replace ||
                           ((Op.Kind == ContainerOpKind::Insert || Op.Kind == ContainerOpKind::Rehash) &&
                            Traits.InsertInvalidates);
        if (Invalidates && Op.OpName != "merge") {
          It->second.push_back({cast<CXXMethodDecl>(Definition), Op});
          break;
        }
      }
    }
  }
  for (const ContainerEraser &Eraser : Erasers[Field]) {
    // The removal waits while the loop runs when the eraser tests a member the loop's function sets.
    if (Eraser.Method->getCanonicalDecl() != LoopFn->getCanonicalDecl() &&
        !assignsAny(LoopFn, fieldsTestedIn(Eraser.Method)))
      return Eraser;
  }
  return std::nullopt;
}

} // namespace mapguard
