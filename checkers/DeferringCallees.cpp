#include "DeferringCallees.h"

#include "AstUtil.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"

using namespace clang;

namespace mapguard {
namespace {
/// `std::async(std::launch::deferred, f)` runs f in the thread that waits for it.
bool launchesDeferredOnly(const CallExpr *Call) {
  for (const Expr *Arg : Call->arguments())
    if (const auto *Ref = dyn_cast<DeclRefExpr>(Arg->IgnoreParenImpCasts()))
      if (Ref->getDecl()->getName() == "deferred" && isa<EnumConstantDecl>(Ref->getDecl()))
        return true;
  return false;
}

/// The element type of a container of threads (`std::vector<std::thread>`), or null.
QualType elementTypeOf(QualType Container) {
  const auto *Spec = dyn_cast_or_null<ClassTemplateSpecializationDecl>(Container->getAsCXXRecordDecl());
  if (!Spec || Spec->getTemplateArgs().size() == 0 ||
      Spec->getTemplateArgs()[0].getKind() != TemplateArgument::Type)
    return QualType();
  return Spec->getTemplateArgs()[0].getAsType();
}
} // namespace

DeferringCalleesOptions DeferringCalleesOptions::defaults() {
  DeferringCalleesOptions O;
  O.ThreadTypes = "std::thread;std::jthread;boost::thread";
  O.ThreadFunctions = "std::async;boost::async;QtConcurrent::run";
  O.ExecutorFunctions = "asio::post;asio::dispatch;asio::defer;boost::asio::post;boost::asio::dispatch;"
                        "boost::asio::defer;QTimer::singleShot;QMetaObject::invokeMethod";
  O.ExecutorMethods = "^(post|submit|enqueue|schedule|dispatch|defer|execute|add_task|run_after|runAfter|"
                      "schedule_after|set_timeout|setTimeout|async_.*)$";
  return O;
}

DeferringCallees::DeferringCallees(const DeferringCalleesOptions &O)
    : ThreadTypes(O.ThreadTypes), ThreadFunctions(O.ThreadFunctions), ExecutorFunctions(O.ExecutorFunctions),
      ExecutorMethods(O.ExecutorMethods) {}

bool DeferringCallees::isThreadType(QualType T) const {
  if (T.isNull())
    return false;
  const CXXRecordDecl *Record = T.getNonReferenceType()->getAsCXXRecordDecl();
  return Record && ThreadTypes.match(Record).has_value();
}

std::optional<Deferral> DeferringCallees::classify(const Expr *E) const {
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(E)) {
    if (isThreadType(Construct->getType()) && Construct->getNumArgs() > 0 &&
        !Construct->getConstructor()->isCopyOrMoveConstructor())
      return Deferral{E, true};
    return std::nullopt;
  }
  const auto *Call = dyn_cast<CallExpr>(E);
  const FunctionDecl *Callee = Call ? Call->getDirectCallee() : nullptr;
  if (!Callee || !Callee->getDeclName().isIdentifier())
    return std::nullopt;
  if (ThreadFunctions.match(Callee))
    return launchesDeferredOnly(Call) ? std::nullopt : std::optional(Deferral{E, true});
  if (ExecutorFunctions.match(Callee))
    return Deferral{E, false};
  const auto *Member = dyn_cast<CXXMemberCallExpr>(Call);
  if (!Member)
    return std::nullopt;
  StringRef Name = Callee->getName();
  // `workers.emplace_back(lambda)` into a container of threads constructs a thread in place.
  if ((Name == "emplace_back" || Name == "emplace" || Name == "push_back") && Member->getImplicitObjectArgument() &&
      isThreadType(elementTypeOf(Member->getImplicitObjectArgument()->getType()->isPointerType()
                                     ? Member->getImplicitObjectArgument()->getType()->getPointeeType()
                                     : Member->getImplicitObjectArgument()->getType())))
    return Deferral{E, true};
  if (!ExecutorMethods.match(Name))
    return std::nullopt;
  // async_* operations are asio's; other names are user executors.
  if (Name.starts_with("async_")) {
    std::string Class = NameList::normalizedName(cast<CXXMethodDecl>(Callee)->getParent());
    if (!StringRef(Class).starts_with("asio::") && !StringRef(Class).starts_with("boost::asio::"))
      return std::nullopt;
  }
  return Deferral{E, false};
}

std::optional<Deferral> DeferringCallees::deferralOf(const Expr *Callable, const ParentMap &Parents) const {
  const Stmt *Parent = parentIgnoringImplicit(Parents, Callable);
  if (!Parent || !isa<CallExpr, CXXConstructExpr>(Parent))
    return std::nullopt;
  // The callable must be an argument, not the callee or the object of a member call.
  auto IsArgument = [&](const Expr *Arg) {
    return ignoringImplicit(Arg) == ignoringImplicit(Callable) || Arg->IgnoreParenImpCasts() == Callable;
  };
  bool Found = false;
  if (const auto *Call = dyn_cast<CallExpr>(Parent))
    Found = llvm::any_of(Call->arguments(), IsArgument);
  else
    Found = llvm::any_of(cast<CXXConstructExpr>(Parent)->arguments(), IsArgument);
  return Found ? classify(cast<Expr>(Parent)) : std::nullopt;
}

} // namespace mapguard
