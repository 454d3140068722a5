#include "model/DeferringCallees.h"

#include "model/ProjectFacts.h"
#include "utils/AstUtil.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/Basic/SourceManager.h"

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

/// Whether an argument names the enumerator \p Name (`Qt::QueuedConnection`).
bool hasEnumeratorArgument(const CallExpr *Call, StringRef Name) {
  return llvm::any_of(Call->arguments(), [&](const Expr *Arg) {
    const auto *Ref = dyn_cast<DeclRefExpr>(Arg->IgnoreParenImpCasts());
    return Ref && isa<EnumConstantDecl>(Ref->getDecl()) && Ref->getDecl()->getName() == Name;
  });
}

/// The element type of a container of threads (`std::vector<std::thread>`), or null.
QualType elementTypeOf(QualType Container) {
  const auto *Spec = dyn_cast_or_null<ClassTemplateSpecializationDecl>(Container->getAsCXXRecordDecl());
  if (!Spec || Spec->getTemplateArgs().size() == 0 || Spec->getTemplateArgs()[0].getKind() != TemplateArgument::Type)
    return QualType();
  return Spec->getTemplateArgs()[0].getAsType();
}

std::string normalizedNameOf(const FunctionDecl *Fn) {
  return Fn && Fn->getDeclName().isIdentifier() ? NameList::normalizedName(Fn) : std::string();
}

bool isCalleeOneOf(const CallExpr *Call, std::initializer_list<StringRef> Names) {
  std::string Name = normalizedNameOf(Call ? Call->getDirectCallee() : nullptr);
  return !Name.empty() && llvm::is_contained(Names, StringRef(Name));
}

bool isRecordUnder(QualType T, std::initializer_list<StringRef> Prefixes) {
  const CXXRecordDecl *Record = T.isNull() ? nullptr : T.getNonReferenceType()->getAsCXXRecordDecl();
  if (!Record)
    return false;
  std::string Name = NameList::normalizedName(Record);
  return llvm::any_of(Prefixes, [&](StringRef Prefix) { return StringRef(Name).starts_with(Prefix); });
}

/// Whether \p E names storage that outlives the current call: a member (of any object) or a
/// global, possibly through `operator[]`.
bool isLongLivedStorage(const Expr *E) {
  E = E ? E->IgnoreParenImpCasts() : nullptr;
  if (const auto *Subscript = dyn_cast_or_null<CXXOperatorCallExpr>(E);
      Subscript && Subscript->getOperator() == OO_Subscript)
    return isLongLivedStorage(Subscript->getArg(0));
  if (isa_and_nonnull<MemberExpr>(E))
    return true;
  const auto *Ref = dyn_cast_or_null<DeclRefExpr>(E);
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  return Var && Var->hasGlobalStorage();
}

bool isArgumentOf(const Stmt *Parent, const Expr *Arg) {
  auto Same = [&](const Expr *Candidate) {
    return ignoringImplicit(Candidate) == ignoringImplicit(Arg) || Candidate->IgnoreParenImpCasts() == Arg;
  };
  if (const auto *Call = dyn_cast<CallExpr>(Parent))
    return llvm::any_of(Call->arguments(), Same);
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(Parent))
    return llvm::any_of(Construct->arguments(), Same);
  return false;
}

const Stmt *rootOf(const ParentMap &Parents, const Stmt *S) {
  while (const Stmt *Parent = Parents.getParent(S))
    S = Parent;
  return S;
}
} // namespace

bool isBindCall(const CallExpr *Call) {
  return isCalleeOneOf(Call, {"std::bind", "std::bind_front", "std::bind_back", "boost::bind"});
}

const VarDecl *referenceWrapped(const Expr *E, bool &Const) {
  const auto *Call = dyn_cast_or_null<CallExpr>(E ? ignoringImplicit(E) : nullptr);
  if (!Call || Call->getNumArgs() != 1 || !isCalleeOneOf(Call, {"std::ref", "std::cref", "boost::ref", "boost::cref"}))
    return nullptr;
  Const = Call->getDirectCallee()->getName() == "cref";
  const auto *Ref = dyn_cast<DeclRefExpr>(Call->getArg(0)->IgnoreParenImpCasts());
  return Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
}

DeferringCalleesOptions DeferringCalleesOptions::defaults() {
  DeferringCalleesOptions O;
  O.ThreadTypes = "std::thread;std::jthread;boost::thread";
  O.ThreadFunctions = "std::async;boost::async;QtConcurrent::run;tbb::task_group::run;tbb::detail::d1::task_group::run;"
                      "tbb::task_arena::enqueue;folly::Executor::add;QThreadPool::start";
  O.ExecutorFunctions = "asio::post;asio::dispatch;asio::defer;boost::asio::post;boost::asio::dispatch;"
                        "boost::asio::defer;QTimer::singleShot";
  O.ExecutorMethods = "^(post|submit|enqueue|schedule|dispatch|defer|execute|add_task|run_after|runAfter|"
                      "schedule_after|set_timeout|setTimeout|async_.*)$";
  O.RegistrationMethods = "^(set|add|register|subscribe)[A-Za-z0-9_]*([Cc]allback|[Hh]andler|[Ll]istener|[Oo]bserver)$";
  O.CallbackTypes = "std::function;std::move_only_function;std::copyable_function;boost::function;"
                    "absl::AnyInvocable;folly::Function";
  O.ScopeExitTypes = "absl::Cleanup;gsl::final_action;folly::detail::ScopeGuardImpl;"
                     "boost::scope_exit::aux::guard;boost::scope::scope_exit;std::experimental::scope_exit";
  return O;
}

DeferringCallees::DeferringCallees(const DeferringCalleesOptions &O)
    : ThreadTypes(O.ThreadTypes), ThreadFunctions(O.ThreadFunctions), ExecutorFunctions(O.ExecutorFunctions),
      CallbackTypes(O.CallbackTypes), ScopeExitTypes(O.ScopeExitTypes), ExecutorMethods(O.ExecutorMethods),
      RegistrationMethods(O.RegistrationMethods) {}

bool DeferringCallees::isThreadType(QualType T) const {
  if (T.isNull())
    return false;
  const CXXRecordDecl *Record = T.getNonReferenceType()->getAsCXXRecordDecl();
  return Record && ThreadTypes.match(Record).has_value();
}

bool DeferringCallees::isScopeExitType(QualType T) const {
  const CXXRecordDecl *Record = T.isNull() ? nullptr : T.getNonReferenceType()->getAsCXXRecordDecl();
  return Record && ScopeExitTypes.match(Record).has_value();
}

bool DeferringCallees::isThreadFunction(const FunctionDecl *Callee) const {
  if (ThreadFunctions.match(Callee))
    return true;
  // `pool->add(f)` on a folly::CPUThreadPoolExecutor overrides folly::Executor::add.
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Callee))
    return llvm::any_of(Method->overridden_methods(),
                        [&](const CXXMethodDecl *Base) { return isThreadFunction(Base); });
  return false;
}

bool DeferringCallees::constructsThread(const FunctionDecl *Callee) const {
  // std::make_shared, std::make_unique, std::allocate_shared: their first template argument is
  // the type they construct from the call's arguments.
  StringRef Name = Callee->getName();
  if ((Name != "make_shared" && Name != "make_unique" && Name != "allocate_shared") || !Callee->isInStdNamespace())
    return false;
  const TemplateArgumentList *Args = Callee->getTemplateSpecializationArgs();
  return Args && Args->size() > 0 && Args->get(0).getKind() == TemplateArgument::Type &&
         isThreadType(Args->get(0).getAsType());
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
  if (isThreadFunction(Callee))
    return launchesDeferredOnly(Call) ? std::nullopt : std::optional(Deferral{E, true});
  if (constructsThread(Callee) && Call->getNumArgs() > 0)
    return Deferral{E, true}; // `std::make_shared<std::thread>(lambda)` starts the thread as `std::thread(lambda)`
  if (ExecutorFunctions.match(Callee)) {
    // Posting to an asio::thread_pool runs on one of its threads.
    bool Pool = Call->getNumArgs() > 0 &&
                isRecordUnder(Call->getArg(0)->getType(), {"asio::thread_pool", "boost::asio::thread_pool"});
    return Deferral{E, Pool};
  }
  if (normalizedNameOf(Callee) == "QMetaObject::invokeMethod")
    return hasEnumeratorArgument(Call, "QueuedConnection") ? std::optional(Deferral{E, false}) : std::nullopt;
  const auto *Member = dyn_cast<CXXMemberCallExpr>(Call);
  if (!Member || !Member->getImplicitObjectArgument())
    return bodilessExecutor(Call) ? std::optional(Deferral{E, false}) : std::nullopt;
  StringRef Name = Callee->getName();
  QualType ObjectType = Member->getImplicitObjectArgument()->getType();
  if (ObjectType->isPointerType())
    ObjectType = ObjectType->getPointeeType();
  // `workers.emplace_back(lambda)` into a container of threads constructs a thread in place.
  if ((Name == "emplace_back" || Name == "emplace" || Name == "push_back") && isThreadType(elementTypeOf(ObjectType)))
    return Deferral{E, true};
  if (!ExecutorMethods.match(Name))
    return std::nullopt;
  // async_* operations are asio's; other names are user executors.
  if (Name.starts_with("async_"))
    return isRecordUnder(ObjectType, {"asio::", "boost::asio::"}) ? std::optional(Deferral{E, false}) : std::nullopt;
  return Deferral{E, isRecordUnder(ObjectType, {"asio::thread_pool", "boost::asio::thread_pool"})};
}

bool DeferringCallees::bodilessExecutor(const CallExpr *Call) const {
  // A free or static function of the project defined in another unit (`post(f)`,
  // `EventLoop::schedule(f)`): its name is all there is to read, as for a member. One whose body
  // is visible is read from its body instead (inferredDeferral).
  const FunctionDecl *Callee = Call->getDirectCallee();
  // A body the project index read in another unit decides instead (inferredDeferral).
  if (const ProjectFacts *Index = projectFacts(); Index && Index->ofUnseen(Callee))
    return false;
  if (Callee->hasBody() || Callee->getASTContext().getSourceManager().isInSystemHeader(Callee->getLocation()) ||
      Callee->getName().starts_with("async_") || !ExecutorMethods.match(Callee->getName()))
    return false;
  // It must take a callable it can keep: a type-erased one (`std::function`) by value or by rvalue
  // reference, a template parameter, or a function pointer. One taken by `const &` is a visitor
  // run before the call returns (`forEach(const std::function<void(int)> &)`), by its signature.
  const FunctionDecl *Declared = Callee;
  if (const FunctionTemplateDecl *Template = Callee->getPrimaryTemplate())
    Declared = Template->getTemplatedDecl(); // `template <class F> void post(F &&f);`
  return llvm::any_of(Declared->parameters(), [&](const ParmVarDecl *Param) {
    QualType ParamType = Param->getType();
    QualType T = ParamType.getNonReferenceType();
    bool Kept = !ParamType->isLValueReferenceType() || !T.isConstQualified();
    return T->isFunctionPointerType() || T->isTemplateTypeParmType() ||
           (Kept && isCallbackType(T->getAsCXXRecordDecl()));
  });
}

std::optional<Deferral> DeferringCallees::registrationOf(const Stmt *Parent) const {
  // `on_close_ = lambda;`, `handlers_[id] = lambda;` into a std::function member or global.
  if (const auto *Assign = dyn_cast<CXXOperatorCallExpr>(Parent);
      Assign && Assign->getOperator() == OO_Equal && Assign->getNumArgs() == 2) {
    const Expr *Target = Assign->getArg(0);
    const CXXRecordDecl *Record = Target->getType()->getAsCXXRecordDecl();
    if (Record && CallbackTypes.match(Record) && isLongLivedStorage(Target))
      return Deferral{Assign, false};
    return std::nullopt;
  }
  // `handlers_.push_back(lambda)`, `conn->setCloseCallback(lambda)`.
  const auto *Member = dyn_cast<CXXMemberCallExpr>(Parent);
  const CXXMethodDecl *Method = Member ? Member->getMethodDecl() : nullptr;
  if (!Method || !Method->getIdentifier())
    return std::nullopt;
  StringRef Name = Method->getName();
  if (RegistrationMethods.match(Name))
    return Deferral{Member, false};
  static constexpr StringRef Stores[] = {"push_back", "emplace_back", "push_front",  "emplace_front",   "push",
                                         "emplace",   "insert",       "try_emplace", "insert_or_assign"};
  if (llvm::is_contained(Stores, Name) && isLongLivedStorage(Member->getImplicitObjectArgument())) {
    // Into a thread pool's queue: one of its threads runs the callable, beside the caller.
    const auto *Queue = dyn_cast<MemberExpr>(Member->getImplicitObjectArgument()->IgnoreParenImpCasts());
    const auto *Field = Queue ? dyn_cast<FieldDecl>(Queue->getMemberDecl()) : nullptr;
    if (Field && isPoolQueue(Field))
      return Deferral{Member, true};
    return Deferral{Member, false};
  }
  return std::nullopt;
}

std::optional<Deferral> DeferringCallees::deferralOf(const Expr *Callable, const ParentMap &Parents) const {
  return deferralOf(Callable, Parents, 0);
}

std::optional<Deferral> DeferringCallees::deferralOf(const Expr *Callable, const ParentMap &Parents,
                                                     unsigned Depth) const {
  const Expr *Current = Callable;
  for (unsigned Hops = 0; Hops < 6; ++Hops) {
    const Stmt *Parent = parentIgnoringImplicit(Parents, Current);
    if (!Parent)
      return std::nullopt;
    if (const auto *Declaration = dyn_cast<DeclStmt>(Parent)) {
      // `auto cb = [&] {...}; pool.post(cb);`: the variable is handed over later.
      const VarDecl *Holder = nullptr;
      for (const Decl *D : Declaration->decls())
        if (const auto *Var = dyn_cast<VarDecl>(D);
            Var && Var->getInit() && ignoringImplicit(Var->getInit()) == ignoringImplicit(Current))
          Holder = Var;
      if (!Holder || Depth > 0 || !Holder->hasLocalStorage())
        return std::nullopt;
      for (const DeclRefExpr *Use : referencesTo(rootOf(Parents, Declaration), Holder))
        if (auto Deferred = deferralOf(Use, Parents, Depth + 1))
          return Deferred;
      return std::nullopt;
    }
    // `[cb = std::move(cb)] { cb(); }`, `[cb] { cb(); }`: the lambda carries it on.
    if (const auto *Lambda = dyn_cast<LambdaExpr>(Parent);
        Lambda && llvm::any_of(Lambda->capture_inits(), [&](const Expr *Init) {
          return Init && ignoringImplicit(Init) == ignoringImplicit(Current);
        })) {
      Current = Lambda;
      continue;
    }
    if (!isArgumentOf(Parent, Current))
      return std::nullopt;
    if (const auto *Call = dyn_cast<CallExpr>(Parent)) {
      if (isBindCall(Call) || isCalleeOneOf(Call, {"std::move", "std::forward"})) {
        Current = Call;
        continue;
      }
      if (auto Deferred = classify(Call))
        return Deferred;
      if (auto Registered = registrationOf(Call))
        return Registered;
      return inferredDeferral(Call, Current, Depth);
    }
    const auto *Construct = cast<CXXConstructExpr>(Parent);
    if (auto Deferred = classify(Construct))
      return Deferred;
    // `std::function<void()>(lambda)` written out: look at what receives the wrapper.
    if (const CXXRecordDecl *Record = Construct->getType()->getAsCXXRecordDecl();
        Record && CallbackTypes.match(Record)) {
      Current = Construct;
      continue;
    }
    return inferredDeferral(Construct, Current, Depth);
  }
  return std::nullopt;
}

const VarDecl *DeferringCallees::scopeExitObjectOf(const LambdaExpr *Lambda, const ParentMap &Parents) const {
  const Stmt *Current = Lambda;
  for (unsigned Hops = 0; Hops < 5; ++Hops) {
    const Stmt *Parent = parentIgnoringImplicit(Parents, Current);
    if (!Parent)
      return nullptr;
    if (const auto *Declaration = dyn_cast<DeclStmt>(Parent)) {
      for (const Decl *D : Declaration->decls())
        if (const auto *Var = dyn_cast<VarDecl>(D); Var && Var->hasLocalStorage() && isScopeExitType(Var->getType()))
          return Var;
      return nullptr;
    }
    // BOOST_SCOPE_EXIT_ALL: `guard<void> g; g = [&]() { ... };`
    if (const auto *Assign = dyn_cast<CXXOperatorCallExpr>(Parent);
        Assign && Assign->getOperator() == OO_Equal && Assign->getNumArgs() == 2) {
      const auto *Ref = dyn_cast<DeclRefExpr>(Assign->getArg(0)->IgnoreParenImpCasts());
      const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
      return Var && Var->hasLocalStorage() && isScopeExitType(Var->getType()) ? Var : nullptr;
    }
    // absl::MakeCleanup(f), gsl::finally(f), folly's `ScopeGuardOnExit() + f`, absl::Cleanup c = f.
    if (!isa<CallExpr, CXXConstructExpr>(Parent) || !isArgumentOf(Parent, cast<Expr>(Current)))
      return nullptr;
    Current = Parent;
  }
  return nullptr;
}

bool DeferringCallees::isCallbackType(const CXXRecordDecl *Record) const {
  return Record && CallbackTypes.match(Record).has_value();
}

} // namespace mapguard
