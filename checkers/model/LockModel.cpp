#include "model/LockModel.h"

#include "utils/AstUtil.h"

#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"

using namespace clang;

namespace mapguard {
namespace {
const RecordDecl *recordOf(QualType T) {
  if (T.isNull())
    return nullptr;
  T = T.getNonReferenceType();
  if (const auto *Record = T->getAsRecordDecl())
    return Record;
  return nullptr;
}

/// Whether a typedef along \p T's chain of typedefs satisfies \p Pred: pthread_mutex_t is a typedef
/// of an anonymous union, which a project may name again (`typedef pthread_rwlock_t MutexType;`,
/// gflags' and glog's Mutex).
template <typename Predicate> bool anyTypedefAlong(QualType T, Predicate Pred) {
  while (const auto *Typedef = T->getAs<TypedefType>()) {
    if (Pred(Typedef->getDecl()))
      return true;
    T = Typedef->desugar();
  }
  return false;
}

/// A guard's template (std::lock_guard), or a plain guard class (absl::MutexLock). In a template's
/// definition, the template a dependent guard type names: `std::lock_guard<Mutex>`, or
/// `std::scoped_lock` deduced from a dependent mutex.
const NamedDecl *guardDeclOf(QualType T) {
  const RecordDecl *Record = recordOf(T);
  if (const auto *Spec = dyn_cast_or_null<ClassTemplateSpecializationDecl>(Record))
    return Spec->getSpecializedTemplate();
  if (Record || T.isNull())
    return Record;
  T = T.getNonReferenceType();
  if (const auto *Spec = T->getAs<TemplateSpecializationType>())
    return Spec->getTemplateName().getAsTemplateDecl();
  if (const auto *Deduced = T->getAs<DeducedTemplateSpecializationType>())
    return Deduced->getTemplateName().getAsTemplateDecl();
  return nullptr;
}

/// The default argument of a template type parameter (`typename Mutex = std::mutex`): what a
/// template's definition can know of a parameter's type.
QualType defaultArgumentOf(QualType T, const Decl *Where) {
  const auto *Param = T.isNull() ? nullptr : T->getAs<TemplateTypeParmType>();
  if (!Param)
    return {};
  const TemplateTypeParmDecl *Declared = Param->getDecl();
  // LLVM 19 gives the members of a class template the canonical parameter type, which has no
  // declaration: find it by depth and index among the templates around Where.
  const DeclContext *Context = nullptr;
  if (Where)
    Context = isa<DeclContext>(Where) ? cast<DeclContext>(Where) : Where->getDeclContext();
  for (; !Declared && Context; Context = Context->getParent()) {
    const TemplateParameterList *Params = nullptr;
    if (const auto *Partial = dyn_cast<ClassTemplatePartialSpecializationDecl>(Context))
      Params = Partial->getTemplateParameters();
    else if (const auto *Record = dyn_cast<CXXRecordDecl>(Context); Record && Record->getDescribedClassTemplate())
      Params = Record->getDescribedClassTemplate()->getTemplateParameters();
    else if (const auto *Fn = dyn_cast<FunctionDecl>(Context); Fn && Fn->getDescribedFunctionTemplate())
      Params = Fn->getDescribedFunctionTemplate()->getTemplateParameters();
    if (Params && Params->getDepth() == Param->getDepth() && Param->getIndex() < Params->size())
      Declared = dyn_cast<TemplateTypeParmDecl>(Params->getParam(Param->getIndex()));
  }
  if (!Declared || !Declared->hasDefaultArgument())
    return {};
  return Declared->getDefaultArgument().getArgument().getAsType();
}

/// The arguments of a guard variable's initialiser, resolved (`Construct` then set) or not yet (a
/// template's definition: `(mu_)`, `{mu_}`, `Guard<M>(mu_)`).
std::optional<SmallVector<const Expr *, 4>> constructionArguments(const Expr *Init,
                                                                  const CXXConstructExpr *&Construct) {
  Construct = nullptr;
  Init = ignoringImplicit(Init); // also the copy of `auto lock = std::unique_lock<M>(mu)` before C++17
  // `auto lock = std::unique_lock<M>(mu);`: a functional cast around the guard's construction.
  if (const auto *Cast = dyn_cast_or_null<CXXFunctionalCastExpr>(Init))
    Init = ignoringImplicit(Cast->getSubExpr());
  if (!Init)
    return std::nullopt;
  Construct = dyn_cast<CXXConstructExpr>(Init);
  if (Construct)
    return SmallVector<const Expr *, 4>(Construct->arguments());
  if (const auto *Parens = dyn_cast<ParenListExpr>(Init)) {
    SmallVector<const Expr *, 4> Args;
    for (unsigned I = 0; I < Parens->getNumExprs(); ++I)
      Args.push_back(Parens->getExpr(I));
    return Args;
  }
  if (const auto *Braces = dyn_cast<InitListExpr>(Init))
    return SmallVector<const Expr *, 4>(Braces->inits());
  if (const auto *Unresolved = dyn_cast<CXXUnresolvedConstructExpr>(Init))
    return SmallVector<const Expr *, 4>(Unresolved->arguments());
  return std::nullopt;
}
} // namespace

LockModelOptions LockModelOptions::defaults() {
  LockModelOptions O;
  O.Mutexes = "std::mutex;std::recursive_mutex;std::timed_mutex;std::recursive_timed_mutex;"
              "std::shared_mutex;std::shared_timed_mutex;absl::Mutex;boost::mutex;boost::recursive_mutex;"
              "boost::timed_mutex;boost::shared_mutex;QMutex;QBasicMutex;QRecursiveMutex;QReadWriteLock;"
              "pthread_mutex_t;pthread_rwlock_t;"
              // oneTBB's (tbb::detail::d1::spin_mutex, ...), and TBB 2020's (tbb::spin_mutex); not
              // null_mutex, which locks nothing.
              "tbb::spin_mutex;tbb::mutex;tbb::queuing_mutex;tbb::speculative_spin_mutex;tbb::spin_rw_mutex;"
              "tbb::rw_mutex;tbb::queuing_rw_mutex;tbb::speculative_spin_rw_mutex;tbb::detail::d1::spin_mutex;"
              "tbb::detail::d1::mutex;tbb::detail::d1::queuing_mutex;tbb::detail::d1::spin_rw_mutex;"
              "tbb::detail::d1::rw_mutex;tbb::detail::d1::queuing_rw_mutex";
  // TBB's scoped locks: `spin_mutex::scoped_lock`, ...; a reader-writer one takes the lock shared when
  // its `write` argument is false (read from its body: kindChosenBy).
  O.ExclusiveGuards = "std::lock_guard;std::unique_lock;std::scoped_lock;absl::MutexLock;"
                      "absl::WriterMutexLock;boost::lock_guard;boost::unique_lock;QMutexLocker;QWriteLocker;"
                      "tbb::detail::d1::unique_scoped_lock;tbb::detail::d1::rw_scoped_lock;"
                      "tbb::detail::d1::queuing_mutex::scoped_lock;tbb::detail::d1::queuing_rw_mutex::scoped_lock;"
                      "tbb::spin_mutex::scoped_lock;tbb::mutex::scoped_lock;tbb::queuing_mutex::scoped_lock;"
                      "tbb::spin_rw_mutex::scoped_lock;tbb::queuing_rw_mutex::scoped_lock";
  O.SharedGuards = "std::shared_lock;absl::ReaderMutexLock;boost::shared_lock;boost::upgrade_lock;QReadLocker";
  O.LockFunctions = "lock;Lock;WriterLock;lockForWrite;relock;pthread_mutex_lock;pthread_rwlock_wrlock";
  O.SharedLockFunctions = "lock_shared;ReaderLock;lockForRead;pthread_rwlock_rdlock";
  O.UnlockFunctions = "unlock;Unlock;unlock_shared;ReaderUnlock;WriterUnlock;pthread_mutex_unlock;"
                      "pthread_rwlock_unlock";
  O.TryLockFunctions = "try_lock;TryLock;WriterTryLock;tryLock;tryLockForWrite;pthread_mutex_trylock;"
                       "pthread_rwlock_trywrlock";
  O.SharedTryLockFunctions = "try_lock_shared;ReaderTryLock;tryLockForRead;pthread_rwlock_tryrdlock";
  O.AssertHeldFunctions = "AssertHeld;AssertReaderHeld;assertHeld;assertLocked;AssertLockHeld";
  return O;
}

LockModel::LockModel(const LockModelOptions &O)
    : Mutexes(O.Mutexes), ExclusiveGuards(O.ExclusiveGuards), SharedGuards(O.SharedGuards),
      LockFunctions(O.LockFunctions), SharedLockFunctions(O.SharedLockFunctions), UnlockFunctions(O.UnlockFunctions),
      TryLockFunctions(O.TryLockFunctions), SharedTryLockFunctions(O.SharedTryLockFunctions),
      AssertHeldFunctions(O.AssertHeldFunctions) {}

bool LockModel::isMutex(QualType T, const Decl *Where) const {
  if (T.isNull())
    return false;
  T = T.getNonReferenceType();
  // pthread_mutex_t is a typedef of an anonymous union: match the typedef's name.
  if (anyTypedefAlong(T, [&](const TypedefNameDecl *Typedef) { return Mutexes.match(Typedef).has_value(); }))
    return true;
  if (QualType Default = defaultArgumentOf(T, Where); !Default.isNull())
    return isMutex(Default);
  const RecordDecl *Record = recordOf(T);
  return Mutexes.match(Record).has_value() || (Record && Record->hasAttr<CapabilityAttr>()) ||
         isInferredMutex(dyn_cast_or_null<CXXRecordDecl>(Record));
}

bool LockModel::isMutexObject(const Expr *Object) const {
  while (Object) {
    QualType T = Object->getType();
    if (isMutex(T, declOfExpr(Object)) || (T->isPointerType() && isMutex(T->getPointeeType())))
      return true;
    const auto *Cast = dyn_cast<ImplicitCastExpr>(Object);
    if (!Cast || (Cast->getCastKind() != CK_DerivedToBase && Cast->getCastKind() != CK_UncheckedDerivedToBase &&
                  Cast->getCastKind() != CK_NoOp && Cast->getCastKind() != CK_LValueToRValue))
      return false;
    Object = Cast->getSubExpr();
  }
  return false;
}

std::optional<StringRef> LockModel::mutexEvidence(QualType T, const Decl *Where) const {
  if (T.isNull())
    return std::nullopt;
  T = T.getNonReferenceType();
  if (anyTypedefAlong(T, [&](const TypedefNameDecl *Typedef) { return Mutexes.match(Typedef).has_value(); }))
    return StringRef("options");
  if (QualType Default = defaultArgumentOf(T, Where); !Default.isNull())
    return mutexEvidence(Default);
  const RecordDecl *Record = recordOf(T);
  if (Mutexes.match(Record))
    return StringRef("options");
  if (Record && Record->hasAttr<CapabilityAttr>())
    return StringRef("attributes");
  if (const auto *Class = dyn_cast_or_null<CXXRecordDecl>(Record);
      Class && Class->hasDefinition() && llvm::any_of(Class->bases(), [&](const CXXBaseSpecifier &Base) {
        return Base.getAccessSpecifier() == AS_public && isMutex(Base.getType());
      }))
    return StringRef("base");
  if (const auto *Class = dyn_cast_or_null<CXXRecordDecl>(Record); isInferredMutex(Class)) {
    // Read in another unit: what an editor without the index does not know.
    auto [IndexLocks, IndexUnlocks] = unseenLockEffects(Class->getDefinition());
    return StringRef(IndexLocks || IndexUnlocks ? "project index" : "members");
  }
  return std::nullopt;
}

bool LockModel::isReaderWriterMutex(QualType T, const Decl *Where) const {
  if (!isMutex(T, Where))
    return false;
  T = T.getNonReferenceType();
  if (QualType Default = defaultArgumentOf(T, Where); !Default.isNull())
    return isReaderWriterMutex(Default);
  if (anyTypedefAlong(T,
                      [](const TypedefNameDecl *Typedef) { return Typedef->getName().contains_insensitive("rwlock"); }))
    return true;
  const auto *Record = dyn_cast_or_null<CXXRecordDecl>(recordOf(T));
  if (!Record || !Record->hasDefinition())
    return false;
  Record = Record->getDefinition();
  auto [It, Inserted] = ReaderWriterRecords.try_emplace(Record, false);
  if (!Inserted)
    return It->second;
  bool Shared = llvm::any_of(Record->methods(), [&](const CXXMethodDecl *Method) {
    std::optional<Role> R = roleOf(Method);
    return R && (R->Action == LockAction::Lock || R->Action == LockAction::TryLock) && R->Kind == LockKind::Shared;
  });
  ReaderWriterRecords[Record] = Shared;
  return Shared;
}

std::optional<StringRef> LockModel::guardName(QualType T) const {
  const NamedDecl *D = guardDeclOf(T);
  if (auto Name = ExclusiveGuards.match(D))
    return Name;
  return SharedGuards.match(D);
}

std::optional<LockKind> LockModel::guardKind(QualType T) const {
  const NamedDecl *D = guardDeclOf(T);
  if (!D)
    return std::nullopt;
  // A scoped_lockable class (SCOPED_CAPABILITY) is a guard; its constructor says which lock it takes.
  if (const auto *Record = dyn_cast_or_null<CXXRecordDecl>(recordOf(T));
      Record && Record->hasAttr<ScopedLockableAttr>()) {
    for (const CXXConstructorDecl *Ctor : Record->ctors())
      if (const auto *Acquire = Ctor->getAttr<AcquireCapabilityAttr>(); Acquire && Acquire->isShared())
        return LockKind::Shared;
    return LockKind::Exclusive;
  }
  if (ExclusiveGuards.match(D))
    return LockKind::Exclusive;
  if (SharedGuards.match(D))
    return LockKind::Shared;
  return inferredGuardKind(dyn_cast_or_null<CXXRecordDecl>(recordOf(T)));
}

std::optional<LockModel::Role> LockModel::roleOf(const FunctionDecl *Function) const {
  if (!Function)
    return std::nullopt;
  if (const auto *Acquire = Function->getAttr<AcquireCapabilityAttr>())
    return Role{LockAction::Lock, Acquire->isShared() ? LockKind::Shared : LockKind::Exclusive};
  if (Function->hasAttr<ReleaseCapabilityAttr>())
    return Role{LockAction::Unlock, LockKind::Exclusive};
  if (const auto *Try = Function->getAttr<TryAcquireCapabilityAttr>()) {
    bool SuccessIsZero = false;
    if (const auto *Literal = dyn_cast<CXXBoolLiteralExpr>(Try->getSuccessValue()->IgnoreParenImpCasts()))
      SuccessIsZero = !Literal->getValue();
    else if (const auto *Int = dyn_cast<IntegerLiteral>(Try->getSuccessValue()->IgnoreParenImpCasts()))
      SuccessIsZero = Int->getValue() == 0;
    return Role{LockAction::TryLock, Try->isShared() ? LockKind::Shared : LockKind::Exclusive, SuccessIsZero};
  }
  if (const auto *Assert = Function->getAttr<AssertCapabilityAttr>())
    return Role{LockAction::Assert, Assert->isShared() ? LockKind::Shared : LockKind::Exclusive};
  if (isa<CXXConversionDecl>(Function)) // `if (guard)` converts through operator bool
    return roleOfName("operator bool");
  if (!Function->getDeclName().isIdentifier())
    return std::nullopt;
  std::optional<Role> Named = roleOfName(Function->getName());
  // `release()` gives up a guard's ownership; on a project's own mutex it is its unlock.
  if (!Named || Named->Action == LockAction::Disown)
    if (std::optional<Role> FromBody = inferredRole(Function))
      return FromBody;
  return Named;
}

SmallVector<const Expr *, 2> LockModel::annotatedMutexes(const FunctionDecl *Function) {
  SmallVector<const Expr *, 2> Mutexes;
  if (const auto *Acquire = Function->getAttr<AcquireCapabilityAttr>())
    Mutexes.append(Acquire->args_begin(), Acquire->args_end());
  else if (const auto *Release = Function->getAttr<ReleaseCapabilityAttr>())
    Mutexes.append(Release->args_begin(), Release->args_end());
  else if (const auto *Try = Function->getAttr<TryAcquireCapabilityAttr>())
    Mutexes.append(Try->args_begin(), Try->args_end());
  return Mutexes;
}

std::optional<LockModel::Role> LockModel::roleOfName(StringRef Name) const {
  bool Pthread = Name.starts_with("pthread_");
  // pthread's lock functions return 0 when they locked: `if (pthread_mutex_lock(&m)) throw ...;`
  // throws with the mutex not held.
  if (LockFunctions.contains(Name))
    return Role{LockAction::Lock, LockKind::Exclusive, Pthread};
  if (SharedLockFunctions.contains(Name))
    return Role{LockAction::Lock, LockKind::Shared, Pthread};
  if (UnlockFunctions.contains(Name))
    return Role{LockAction::Unlock, LockKind::Exclusive};
  if (TryLockFunctions.contains(Name))
    return Role{LockAction::TryLock, LockKind::Exclusive, Pthread};
  if (SharedTryLockFunctions.contains(Name))
    return Role{LockAction::TryLock, LockKind::Shared, Pthread};
  if (AssertHeldFunctions.contains(Name))
    return Role{LockAction::Assert,
                Name.contains("Reader") || Name.contains("Shared") ? LockKind::Shared : LockKind::Exclusive};
  if (Name == "release")
    return Role{LockAction::Disown, LockKind::Exclusive};
  if (Name == "owns_lock" || Name == "operator bool" || Name == "isLocked")
    return Role{LockAction::OwnsLock, LockKind::Exclusive};
  return std::nullopt;
}

std::string LockModel::guardDeclaration(QualType MutexType, StringRef MutexText, LockKind Kind, StringRef GuardName) {
  const RecordDecl *Record = recordOf(MutexType);
  if (!Record || MutexText.empty())
    return "";
  std::string Type = NameList::normalizedName(Record);
  bool Shared = Kind == LockKind::Shared;
  std::string Guard;
  if (Type == "std::mutex" || Type == "std::recursive_mutex" || Type == "std::timed_mutex" ||
      Type == "std::recursive_timed_mutex")
    Guard = "std::lock_guard<" + Type + ">";
  else if (Type == "std::shared_mutex" || Type == "std::shared_timed_mutex")
    Guard = (Shared ? "std::shared_lock<" : "std::unique_lock<") + Type + ">";
  else if (Type == "absl::Mutex")
    return ((Shared ? "absl::ReaderMutexLock " : "absl::MutexLock ") + GuardName + "(&" + MutexText + ");").str();
  else
    return "";
  return (Guard + " " + GuardName + "(" + MutexText + ");").str();
}

GuardStart LockModel::guardStart(ArrayRef<const Expr *> Args) {
  for (const Expr *Arg : Args) {
    const RecordDecl *Tag = recordOf(Arg->getType());
    if (!Tag || !Tag->getIdentifier())
      continue;
    StringRef Name = Tag->getName();
    if (Name == "defer_lock_t")
      return GuardStart::Defers;
    if (Name == "try_to_lock_t")
      return GuardStart::TriesToLock;
    if (Name == "adopt_lock_t")
      return GuardStart::Adopts;
  }
  return GuardStart::Locks;
}

SmallVector<const Expr *, 2> LockModel::mutexOperands(ArrayRef<const Expr *> Args) const {
  SmallVector<const Expr *, 2> Operands;
  for (const Expr *Arg : Args) {
    QualType T = Arg->IgnoreParenImpCasts()->getType();
    if (isMutex(T, declOfExpr(Arg)) || (T->isPointerType() && isMutex(T->getPointeeType())))
      Operands.push_back(Arg);
  }
  return Operands;
}

std::optional<LockModel::GuardConstruction> LockModel::guardConstruction(const VarDecl *Var) const {
  std::optional<LockKind> Kind = guardKind(Var->getType());
  if (!Kind || Var->getType()->isReferenceType()) // every declaration passes here: decide cheaply
    return std::nullopt;
  const CXXConstructExpr *Construct = nullptr;
  std::optional<SmallVector<const Expr *, 4>> Args = constructionArguments(Var->getInit(), Construct);
  if (!Args)
    return std::nullopt;
  GuardConstruction Result{*Kind, guardStart(*Args), mutexOperands(*Args)};
  if (Construct) {
    if (std::optional<LockKind> Chosen = kindChosenBy(Construct))
      Result.Kind = *Chosen;
    return Result;
  }
  for (const Expr *Arg : *Args)
    if (Arg->isTypeDependent() && !llvm::is_contained(Result.Mutexes, Arg))
      Result.Mutexes.push_back(Arg);
  return Result;
}

std::optional<LockModel::Role> LockModel::roleOfCall(const CallExpr *Call) const {
  if (const FunctionDecl *Callee = Call->getDirectCallee())
    return roleOf(Callee);
  std::optional<DependentMemberCall> Dependent = dependentMemberCall(Call);
  if (!Dependent)
    return std::nullopt;
  QualType T = Dependent->Object->IgnoreParenImpCasts()->getType();
  if (Dependent->ViaPointer && T->isPointerType())
    T = T->getPointeeType();
  if (!isMutex(T, declOfExpr(Dependent->Object)) &&
      !guardKind(T)) // `mu_.lock()`, or `lock.unlock()` on a `std::unique_lock<Mutex>`
    return std::nullopt;
  return roleOfName(Dependent->Name);
}

bool LockModel::mayThrow(const CallExpr *Call) const {
  const FunctionDecl *Callee = Call->getDirectCallee();
  if (!Callee)
    return true;
  if (Callee->getBuiltinID() || Callee->isExternC() || Callee->hasAttr<NoThrowAttr>())
    return false;
  if (roleOf(Callee))
    return false;
  const auto *Proto = Callee->getType()->getAs<FunctionProtoType>();
  return !Proto || !Proto->isNothrow();
}

} // namespace mapguard
