#include "analysis/ReentrantCallbacks.h"

#include "analysis/LockState.h"
#include "utils/AstUtil.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace clang;

namespace mapguard {
namespace {
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

namespace {
/// Whether an argument of \p Call is `this`, or `*this` bound to a non-const reference.
bool passesThis(const CallExpr *Call) {
  const FunctionDecl *Callee = Call->getDirectCallee();
  for (unsigned I = 0; I < Call->getNumArgs(); ++I) {
    const Expr *Arg = Call->getArg(I)->IgnoreParenImpCasts();
    QualType Param = Callee && I < Callee->getNumParams() ? Callee->getParamDecl(I)->getType() : QualType();
    if (isa<CXXThisExpr>(Arg) &&
        (Param.isNull() || !Param->isPointerType() || !Param->getPointeeType().isConstQualified()))
      return true;
    const auto *Deref = dyn_cast<UnaryOperator>(Arg);
    if (Deref && Deref->getOpcode() == UO_Deref && isa<CXXThisExpr>(Deref->getSubExpr()->IgnoreParenImpCasts()) &&
        !Param.isNull() && Param->isReferenceType() && !Param.getNonReferenceType().isConstQualified())
      return true;
  }
  return false;
}

/// Whether \p T names \p Record (or a class derived from it or a base of it), through pointers,
/// references and smart pointers' template arguments.
bool refersToClass(QualType T, const CXXRecordDecl *Record) {
  T = T.getNonReferenceType();
  while (T->isPointerType())
    T = T->getPointeeType();
  const CXXRecordDecl *Other = T->getAsCXXRecordDecl();
  if (!Other || !Other->hasDefinition() || !Record || !Record->hasDefinition())
    return false;
  if (const auto *Spec = dyn_cast<ClassTemplateSpecializationDecl>(Other))
    for (const TemplateArgument &Arg : Spec->getTemplateArgs().asArray())
      if (Arg.getKind() == TemplateArgument::Type && refersToClass(Arg.getAsType(), Record))
        return true;
  Other = Other->getDefinition();
  Record = Record->getDefinition();
  return Other == Record || Other->isDerivedFrom(Record) || Record->isDerivedFrom(Other);
}
} // namespace

bool mayReachBack(const ReentrantCall &Call, const ContainerEraser &Eraser) {
  if (!Call.VirtualOf || Call.PassesThis)
    return true;
  if (llvm::any_of(Eraser.Method->parameters(),
                   [&](const ParmVarDecl *Param) { return refersToClass(Param->getType(), Call.VirtualOf); }))
    return true;
  const CXXRecordDecl *Element = Call.VirtualOf->getDefinition();
  return Element && llvm::any_of(Element->fields(), [&](const FieldDecl *Field) {
           return refersToClass(Field->getType(), Eraser.Method->getParent());
         });
}

llvm::SmallVector<ReentrantCall, 2>
ReentrantCallbacks::opaqueCalls(const Stmt *Body, llvm::ArrayRef<const ValueDecl *> Element, bool AlsoDirect) const {
  // The element's values: the given variables, and locals initialised from them
  // (`const timer_t &timer = it->second;`).
  llvm::SmallVector<const ValueDecl *, 4> Values(Element.begin(), Element.end());
  struct Locals : RecursiveASTVisitor<Locals> {
    llvm::SmallVector<const ValueDecl *, 4> &Values;
    explicit Locals(llvm::SmallVector<const ValueDecl *, 4> &Values) : Values(Values) {}
    bool VisitVarDecl(VarDecl *Var) {
      if (Var->getInit() &&
          llvm::any_of(Values, [&](const ValueDecl *V) { return !referencesTo(Var->getInit(), V).empty(); }))
        Values.push_back(Var);
      return true;
    }
  } Derived(Values);
  Derived.TraverseStmt(const_cast<Stmt *>(Body));
  auto HeldByElementOrThis = [&](const Expr *Holder) {
    if (llvm::any_of(Values, [&](const ValueDecl *V) { return !referencesTo(Holder, V).empty(); }))
      return true;
    const auto *Member = dyn_cast<MemberExpr>(Holder->IgnoreParenImpCasts());
    while (Member && !isa<CXXThisExpr>(Member->getBase()->IgnoreParenImpCasts()))
      Member = dyn_cast<MemberExpr>(Member->getBase()->IgnoreParenImpCasts());
    return Member != nullptr; // `listener_->onEvent()`, `onItem_(x)`
  };
  struct Scan : RecursiveASTVisitor<Scan> {
    const DeferringCallees &Deferring;
    bool AlsoDirect;
    llvm::SmallVector<ReentrantCall, 2> Calls;
    Scan(const DeferringCallees &Deferring, bool AlsoDirect) : Deferring(Deferring), AlsoDirect(AlsoDirect) {}
    bool TraverseLambdaExpr(LambdaExpr *) { return true; } // created here, run elsewhere
    bool VisitCallExpr(CallExpr *Call) {
      if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(Call)) {
        if (Op->getOperator() == OO_Call && Op->getNumArgs() > 0 &&
            Deferring.isCallbackType(Op->getArg(0)->getType()->getAsCXXRecordDecl()))
          Calls.push_back({Call, nameOf(Op->getArg(0)), Op->getArg(0)});
        return true;
      }
      if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call)) {
        const CXXMethodDecl *Method = Member->getMethodDecl();
        const Expr *Object = Member->getImplicitObjectArgument();
        bool OnThis = Object && isa<CXXThisExpr>(Object->IgnoreParenImpCasts());
        if (Method && Method->isVirtual() && !Method->hasAttr<FinalAttr>() &&
            !Method->getParent()->hasAttr<FinalAttr>() && !OnThis)
          Calls.push_back({Call, Method->getNameAsString(), Object, Method->getParent(), passesThis(Member), Method});
        else if (AlsoDirect && Method && Object && !OnThis && Method->hasBody() && !isa<CXXConversionDecl>(Method) &&
                 !Method->getASTContext().getSourceManager().isInSystemHeader(Method->getLocation()))
          Calls.push_back({Call, Method->getNameAsString(), Object, nullptr, false, nullptr, nullptr, Method});
        return true;
      }
      if (!Call->getDirectCallee() && !isa<CXXPseudoDestructorExpr>(Call->getCallee()->IgnoreParenImpCasts())) {
        QualType Callee = Call->getCallee()->IgnoreParenImpCasts()->getType();
        if (Callee->isFunctionPointerType() || Callee->isMemberFunctionPointerType() ||
            isa<BinaryOperator>(Call->getCallee()->IgnoreParens()))
          Calls.push_back({Call, nameOf(Call->getCallee()), Call->getCallee()});
      }
      return true;
    }
  } Found(Deferring, AlsoDirect);
  Found.TraverseStmt(const_cast<Stmt *>(Body));
  llvm::erase_if(Found.Calls, [&](const ReentrantCall &Call) { return !HeldByElementOrThis(Call.Holder); });
  for (ReentrantCall &Call : Found.Calls) {
    const auto *Member = dyn_cast<MemberExpr>(Call.Holder->IgnoreParenImpCasts());
    bool ByElement = llvm::any_of(Values, [&](const ValueDecl *V) { return !referencesTo(Call.Holder, V).empty(); });
    if (Member && !ByElement && isa<CXXThisExpr>(Member->getBase()->IgnoreParenImpCasts()))
      Call.HolderField = dyn_cast<FieldDecl>(Member->getMemberDecl());
  }
  return Found.Calls;
}

bool ReentrantCallbacks::takesLock(const FunctionDecl *Fn, ASTContext &Ctx) const {
  struct Scan : RecursiveASTVisitor<Scan> {
    LockStateAnalysis &Analysis;
    bool Found = false;
    explicit Scan(LockStateAnalysis &Analysis) : Analysis(Analysis) {}
    bool VisitStmt(Stmt *S) {
      Found |= Analysis.acquiresLock(S);
      return !Found;
    }
  };
  ObjectPathResolver Resolver(Ctx);
  LockStateAnalysis Analysis(Locks, Resolver);
  Scan Locking(Analysis);
  Locking.TraverseStmt(Fn->getBody());
  return Locking.Found;
}

llvm::SmallVector<ContainerEraser, 2> ReentrantCallbacks::erasersOf(const FieldDecl *Field,
                                                                    const ContainerTraits &Traits,
                                                                    const FunctionDecl *LoopFn, ASTContext &Ctx) {
  auto [It, Inserted] = Erasers.try_emplace(Field);
  if (Inserted) {
    ObjectPathResolver Resolver(Ctx);
    ContainerOpFinder Finder(Model, Resolver, MaxCallDepth, Summaries);
    ObjectPath Target = ObjectPath::thisObject().withField(Field);
    const auto *Class = cast<CXXRecordDecl>(Field->getParent());
    for (const CXXMethodDecl *Method : Class->methods()) {
      const FunctionDecl *Definition = nullptr;
      if (Method->isStatic() || isa<CXXConstructorDecl, CXXDestructorDecl>(Method) ||
          Method->isCopyAssignmentOperator() || Method->isMoveAssignmentOperator() || !Method->getBody(Definition))
        continue;
      for (const ContainerOpSite &Op : Finder.find(Definition->getBody(), Target)) {
        bool Invalidates =
            Op.Kind == ContainerOpKind::Erase || Op.Kind == ContainerOpKind::Replace ||
            ((Op.Kind == ContainerOpKind::Insert || Op.Kind == ContainerOpKind::Rehash) && Traits.InsertInvalidates);
        // An eraser that locks protects the container: a callback under the loop's lock would
        // deadlock in it, and other threads wait.
        bool Guarded = takesLock(Definition, Ctx) || (Op.Callee && Op.Callee->hasBody() && takesLock(Op.Callee, Ctx));
        if (Invalidates && Op.OpName != "merge" && !Guarded) {
          It->second.push_back({cast<CXXMethodDecl>(Definition), Op});
          break;
        }
      }
    }
  }
  llvm::SmallVector<ContainerEraser, 2> Applicable;
  for (const ContainerEraser &Eraser : Erasers[Field]) {
    // The removal waits while the loop runs when the eraser tests a member the loop's function sets.
    if (Eraser.Method->getCanonicalDecl() != LoopFn->getCanonicalDecl() &&
        !assignsAny(LoopFn, fieldsTestedIn(Eraser.Method)))
      Applicable.push_back(Eraser);
  }
  return Applicable;
}

std::optional<ContainerEraser> ReentrantCallbacks::eraserOf(const FieldDecl *Field, const ContainerTraits &Traits,
                                                            const FunctionDecl *LoopFn, ASTContext &Ctx) {
  for (const ContainerEraser &Eraser : erasersOf(Field, Traits, LoopFn, Ctx))
    if (Eraser.Method->getCanonicalDecl()->getAccess() != AS_private)
      return Eraser;
  return std::nullopt;
}

} // namespace mapguard
