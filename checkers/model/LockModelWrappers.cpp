// A project's own mutex and guard classes, read from their bodies (part of LockModel).
//
// A class is a mutex when it publicly derives from one, or when one of its methods leaves one of
// its members or its mutex base locked (`void Lock() { pthread_mutex_lock(&mu_); }`, `void lock()
// { lockImpl(); }`) and another leaves one unlocked; when those bodies are not visible
// (defined in another file), when it has a mutex member, or is given no object to lock at
// construction (a pimpl), and declares methods with the lock model's lock and unlock names. A
// class is a scoped guard when its constructor locks a mutex it is given (by reference or pointer,
// directly or through the member it stores it in) and its destructor unlocks a member; shared
// when the constructor takes the lock shared; a class derived from a guard whose constructors hand
// their mutex to the base's is one too. A method of an inferred mutex whose name the model does
// not know gets the role its body has: leaves a member locked (Lock), unlocked (Unlock). A body
// another unit defines is read there and reaches this one through the project index
// (LockModelFacts.cpp): it counts as read. Each answer is memoised per declaration for the
// translation unit.
#include "model/DeclaredLockInterface.h"
#include "model/LockModel.h"
#include "model/ProjectFacts.h"
#include "utils/NodesUnder.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace clang;

namespace mapguard {
namespace {

const Expr *peel(const Expr *E) {
  for (;;) {
    E = E->IgnoreParenImpCasts();
    // `const_cast<Mutex *>(this)->mh_`: a const lock() reaching its own member (ZeroTier's Mutex).
    if (const auto *Cast = dyn_cast<CXXConstCastExpr>(E)) {
      E = Cast->getSubExpr();
      continue;
    }
    if (const auto *Unary = dyn_cast<UnaryOperator>(E);
        Unary && (Unary->getOpcode() == UO_AddrOf || Unary->getOpcode() == UO_Deref)) {
      E = Unary->getSubExpr();
      continue;
    }
    // A member initialised with braces, `mutex{m}` (Kismet's kis_lock_guard): the one element.
    if (const auto *List = dyn_cast<InitListExpr>(E); List && List->getNumInits() == 1) {
      E = List->getInit(0);
      continue;
    }
    return E;
  }
}

/// The member of `*this` an operand names (`mu_`, `&mu_`, `*mu_`, `this->mu_`), also through the
/// members that reach it (a pimpl's `impl_->mu`, `d->mutex`), if it does.
const FieldDecl *thisField(const Expr *Operand) {
  const auto *Member = dyn_cast<MemberExpr>(peel(Operand));
  const FieldDecl *Field = Member ? dyn_cast<FieldDecl>(Member->getMemberDecl()) : nullptr;
  const Expr *Base = Field ? peel(Member->getBase()) : nullptr;
  while (Base && !isa<CXXThisExpr>(Base)) {
    // `impl_->mu` through a smart pointer's operator->.
    if (const auto *Arrow = dyn_cast<CXXOperatorCallExpr>(Base);
        Arrow && (Arrow->getOperator() == OO_Arrow || Arrow->getOperator() == OO_Star) && Arrow->getNumArgs() >= 1) {
      Base = peel(Arrow->getArg(0));
      continue;
    }
    const auto *Outer = dyn_cast<MemberExpr>(Base);
    Base = Outer && isa<FieldDecl>(Outer->getMemberDecl()) ? peel(Outer->getBase()) : nullptr;
  }
  return Base ? Field : nullptr;
}

/// What of `*this` an operand names: a member (`mu_`, `&mu_`), or the object itself (`this`, a
/// call of an inherited `lockImpl()`), as null.
std::optional<const FieldDecl *> thisPart(const Expr *Operand) {
  if (isa<CXXThisExpr>(peel(Operand)))
    return nullptr;
  if (const FieldDecl *Field = thisField(Operand))
    return Field;
  return std::nullopt;
}

const ParmVarDecl *parameterOf(const Expr *Operand) {
  const auto *Ref = dyn_cast<DeclRefExpr>(peel(Operand));
  return Ref ? dyn_cast<ParmVarDecl>(Ref->getDecl()) : nullptr;
}

bool isUserCode(const Decl *D) { return !D->getASTContext().getSourceManager().isInSystemHeader(D->getLocation()); }

/// The class a member of type \p T points to: a raw pointer's, a smart pointer's (its first
/// template argument), or none.
const CXXRecordDecl *pointee(QualType T) {
  T = T.getNonReferenceType();
  if (T->isPointerType())
    return T->getPointeeType()->getAsCXXRecordDecl();
  const auto *Specialization = dyn_cast_or_null<ClassTemplateSpecializationDecl>(T->getAsCXXRecordDecl());
  if (!Specialization || Specialization->getTemplateArgs().size() == 0 ||
      Specialization->getTemplateArgs()[0].getKind() != TemplateArgument::Type)
    return nullptr;
  return Specialization->getTemplateArgs()[0].getAsType()->getAsCXXRecordDecl();
}

/// A class that declares lock and unlock member functions (by the model's names) defined in
/// another file, and that is given no object at construction (no constructor takes a reference or
/// a pointer, as a guard's or a wrapper's does): a pimpl mutex, `class Mutex { void Lock(); void
/// Unlock(); Impl *impl_; }` with its bodies in Mutex.cpp. The names are all this unit can read.
bool isPimplMutex(const CXXRecordDecl *Record, const LockModel &Model) {
  auto GivenAnObject = [](const CXXConstructorDecl *Ctor) {
    return !Ctor->isCopyOrMoveConstructor() && llvm::any_of(Ctor->parameters(), [](const ParmVarDecl *Param) {
      return Param->getType()->isReferenceType() || Param->getType()->isPointerType();
    });
  };
  return declaresUnreadLockInterface(Record, Model) && llvm::none_of(Record->ctors(), GivenAnObject);
}
/// Whether \p Record keeps elements of its own beside its lock: a member of a class that can be
/// iterated (`begin()` and `end()`), not text (a string has them too: a debug mutex's name).
/// A mutex wrapper keeps a handle, flags, an owner: its lock is the wrapper, the name other
/// classes hold it by.
bool keepsIterableState(const CXXRecordDecl *Record) {
  return llvm::any_of(Record->fields(), [](const FieldDecl *Field) {
    const CXXRecordDecl *Type = Field->getType().getNonReferenceType()->getAsCXXRecordDecl();
    Type = Type ? Type->getDefinition() : nullptr;
    if (!Type)
      return false;
    auto Declares = [&](StringRef Name) { return !Type->lookup(&Type->getASTContext().Idents.get(Name)).empty(); };
    return Declares("begin") && Declares("end") && !Declares("c_str") && !Declares("toUtf8");
  });
}
} // namespace

bool declaresUnreadLockInterface(const CXXRecordDecl *Record, const LockModel &Model) {
  bool Locks = false, Unlocks = false;
  for (const CXXMethodDecl *Method : Record->methods()) {
    if (Method->isStatic() || !Method->getIdentifier())
      continue;
    std::optional<LockModel::Role> Role = Model.roleOfName(Method->getName());
    if (!Role || (Role->Action != LockAction::Lock && Role->Action != LockAction::Unlock))
      continue;
    if (Method->hasBody())
      return false; // read, and found to lock nothing of its own: a door, a file
    (Role->Action == LockAction::Lock ? Locks : Unlocks) = true;
  }
  return Locks && Unlocks;
}

/// One lock or unlock call of a body and the operand it acts on.
struct LockModel::LockCall {
  LockAction Action;
  LockKind Kind;
  const Expr *Operand;
};

SmallVector<LockModel::LockCall, 4> LockModel::lockCallsIn(const Stmt *Body) const {
  SmallVector<LockCall, 4> Calls;
  forEachNodeUnder<CallExpr>(
      Body,
      [&](const CallExpr *Call) {
        const FunctionDecl *Callee = Call->getDirectCallee();
        std::optional<Role> R = Callee ? roleOf(Callee) : std::nullopt;
        if (!R || (R->Action != LockAction::Lock && R->Action != LockAction::Unlock))
          return true;
        if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call)) {
          const Expr *Object = Member->getImplicitObjectArgument();
          if (isMutexObject(Object))
            Calls.push_back({R->Action, R->Kind, Object});
          return true;
        }
        SmallVector<const Expr *, 4> Args(Call->arguments());
        for (const Expr *Operand : mutexOperands(Args))
          Calls.push_back({R->Action, R->Kind, Operand});
        return true;
      },
      LambdaBodies::Skip); // runs elsewhere, or later
  return Calls;
}

SmallVector<LockModel::LockCall, 4> LockModel::lockCallsWithOwnMethods(const FunctionDecl *Def) const {
  // The body's own lock calls, and those of the member functions it calls on its own object (a
  // guard's `acquire(m)`, `release()`: TBB's unique_scoped_lock): a lock of the callee's parameter
  // is a lock of the argument the call passes, a lock of a member is the same member.
  SmallVector<LockCall, 4> Calls = lockCallsIn(Def->getBody());
  const auto *Own = dyn_cast<CXXMethodDecl>(Def);
  forEachNodeUnder<CXXMemberCallExpr>(
      Def->getBody(),
      [&](const CXXMemberCallExpr *Call) {
        const CXXMethodDecl *Callee = Call->getMethodDecl();
        const Expr *Object = Call->getImplicitObjectArgument();
        const FunctionDecl *CalleeDef = nullptr;
        if (!Own || !Callee || !Object || !isa<CXXThisExpr>(peel(Object)) || !Callee->hasBody(CalleeDef) ||
            !CalleeDef || CalleeDef == Def ||
            Callee->getParent()->getCanonicalDecl() != Own->getParent()->getCanonicalDecl())
          return true;
        for (const LockCall &Inner : lockCallsIn(CalleeDef->getBody())) {
          if (const ParmVarDecl *Param = parameterOf(Inner.Operand)) {
            if (Param->getFunctionScopeIndex() < Call->getNumArgs())
              Calls.push_back({Inner.Action, Inner.Kind, Call->getArg(Param->getFunctionScopeIndex())});
          } else if (thisField(Inner.Operand)) {
            Calls.push_back(Inner);
          }
        }
        return true;
      },
      LambdaBodies::Skip);
  return Calls;
}

LockModel::MemberLockTally LockModel::memberLockTally(const FunctionDecl *Fn) const {
  MemberLockTally Tally;
  const FunctionDecl *Def = nullptr;
  if (!Fn->hasBody(Def) || !Def)
    return Tally;
  // Per member: the lock actions the body takes on it. Straight-line wrapper bodies are the norm;
  // a body that both locks and unlocks the same member leaves it as it found it.
  Tally.Read = true;
  for (const LockCall &Call : lockCallsIn(Def->getBody())) {
    std::optional<const FieldDecl *> Part = thisPart(Call.Operand);
    if (!Part)
      continue;
    auto &[Locks, Unlocks] = Tally.Counts[*Part];
    if (Call.Action == LockAction::Lock) {
      ++Locks;
      Tally.Kind = Call.Kind;
    } else {
      ++Unlocks;
    }
  }
  return Tally;
}

std::optional<LockModel::Role> LockModel::netEffectOnMembers(const FunctionDecl *Fn) const {
  MemberLockTally Tally = memberLockTally(Fn);
  if (!Tally.Read)
    return std::nullopt;
  std::optional<Role> Effect;
  for (const auto &[Field, Counts] : Tally.Counts) {
    if (Counts.first > Counts.second)
      Effect = Role{LockAction::Lock, Tally.Kind};
    else if (Counts.second > Counts.first && !Effect)
      Effect = Role{LockAction::Unlock, LockKind::Exclusive};
  }
  return Effect;
}

const FieldDecl *LockModel::ownLockMember(const CXXRecordDecl *Record) const {
  Record = Record ? Record->getDefinition() : nullptr;
  if (!Record)
    return nullptr;
  if (auto Known = OwnLockMembers.find(Record); Known != OwnLockMembers.end())
    return Known->second;
  OwnLockMembers[Record] = nullptr;
  if (!isInferredMutex(Record) || !keepsIterableState(Record))
    return nullptr;
  // The one mutex member of its own that the class's lock functions leave locked, read from their
  // bodies or named by their acquire annotations; none when two lock different members, or when
  // the lock is of a base or of a member's member (a pimpl's `impl_->mu`).
  const FieldDecl *Found = nullptr;
  bool Ambiguous = false;
  auto Note = [&](const FieldDecl *Field) {
    if (!Field || Field->getParent()->getCanonicalDecl() != Record->getCanonicalDecl() ||
        !isMutex(Field->getType(), Field)) {
      Ambiguous = true;
      return;
    }
    Ambiguous |= Found && Found != Field;
    Found = Field;
  };
  for (const CXXMethodDecl *Method : Record->methods()) {
    if (Method->isStatic() || isa<CXXConstructorDecl, CXXDestructorDecl>(Method))
      continue;
    std::optional<Role> MethodRole = roleOf(Method);
    if (!MethodRole || MethodRole->Action != LockAction::Lock)
      continue;
    if (SmallVector<const Expr *, 2> Named = annotatedMutexes(Method); !Named.empty()) {
      for (const Expr *Operand : Named)
        Note(thisField(Operand));
      continue;
    }
    for (const auto &[Field, Counts] : memberLockTally(Method).Counts)
      if (Field && Counts.first > Counts.second)
        Note(Field);
  }
  const FieldDecl *Member = Ambiguous ? nullptr : Found;
  OwnLockMembers[Record] = Member;
  return Member;
}

bool LockModel::isInferredMutex(const CXXRecordDecl *Record) const {
  Record = Record ? Record->getDefinition() : nullptr;
  if (!Record || Record->isLambda() || !isUserCode(Record))
    return false;
  if (auto Known = InferredRecords.find(Record); Known != InferredRecords.end())
    return Known->second == Inferred::Mutex;
  InferredRecords[Record] = Inferred::Pending; // a member of its own type, a method calling another
  // A class derived from a mutex is one (RocksDB's CacheAlignedInstrumentedMutex).
  if (llvm::any_of(Record->bases(), [&](const CXXBaseSpecifier &Base) {
        return Base.getAccessSpecifier() == AS_public && isMutex(Base.getType());
      })) {
    InferredRecords[Record] = Inferred::Mutex;
    return true;
  }
  // A guard is not a mutex, even one with lock() and unlock() of its own (a unique_lock-like
  // class whose destructor unlocks the mutex it refers to when it owns it: Kismet's
  // kis_unique_lock): `guard.lock()` re-locks the guard's mutex, and the guard still unlocks it.
  if (inferredGuardKind(Record)) {
    InferredRecords[Record] = Inferred::None;
    return false;
  }
  // Only a class with a mutex member or a mutex base (private: Poco's FastMutex over its
  // platform FastMutexImpl) can leave one locked: others are not read further.
  // A class whose methods another unit defines, read there (the project index): what they do to
  // its locks is as certain as a body read here.
  auto [ReadLocks, ReadUnlocks] = unseenLockEffects(Record);
  // A pimpl whose implementation this unit defines (`std::unique_ptr<Impl> impl_`, `Impl` holding
  // the mutex) is read like a class with a mutex member: `impl_->mu.lock()`.
  bool HasMutexMember =
      llvm::any_of(Record->fields(),
                   [&](const FieldDecl *Field) {
                     QualType T = Field->getType().getNonReferenceType();
                     if (isMutex(T) || (T->isPointerType() && isMutex(T->getPointeeType())))
                       return true;
                     const CXXRecordDecl *Impl = pointee(T);
                     Impl = Impl ? Impl->getDefinition() : nullptr;
                     return Impl && Impl != Record && isUserCode(Impl) &&
                            llvm::any_of(Impl->fields(),
                                         [&](const FieldDecl *Inner) { return isMutex(Inner->getType()); });
                   }) ||
      llvm::any_of(Record->bases(), [&](const CXXBaseSpecifier &Base) { return isMutex(Base.getType()); });
  if (!HasMutexMember) {
    if (ReadLocks && ReadUnlocks) {
      InferredRecords[Record] = Inferred::Mutex;
      return true;
    }
    bool Lockable = isBasicLockable(Record) || isPimplMutex(Record, *this);
    InferredRecords[Record] = Lockable ? Inferred::Mutex : Inferred::None;
    return Lockable;
  }
  bool Locks = false, Unlocks = false, NamedLock = false, NamedUnlock = false;
  for (const CXXMethodDecl *Method : Record->methods()) {
    if (Method->isStatic() || isa<CXXConstructorDecl, CXXDestructorDecl>(Method))
      continue;
    if (Method->hasBody()) {
      if (std::optional<Role> Effect = netEffectOnMembers(Method)) {
        Locks |= Effect->Action == LockAction::Lock;
        Unlocks |= Effect->Action == LockAction::Unlock;
      }
      continue;
    }
    // Defined in another file: the method's name is all there is to read.
    if (std::optional<Role> Named = Method->getIdentifier() ? roleOfName(Method->getName()) : std::nullopt) {
      NamedLock |= Named->Action == LockAction::Lock;
      NamedUnlock |= Named->Action == LockAction::Unlock;
    }
  }
  bool Mutex = (Locks || ReadLocks || NamedLock) && (Unlocks || ReadUnlocks || NamedUnlock);
  InferredRecords[Record] = Mutex ? Inferred::Mutex : Inferred::None;
  return Mutex;
}

bool LockModel::isBasicLockable(const CXXRecordDecl *Record) {
  // The standard's lock requirement (BasicLockable): `lock()` and `unlock()` member functions with
  // no parameter. A class that meets it with state of its own (a spin lock over an atomic: tkrzw's
  // SpinSharedMutex) is a mutex whatever its bodies do, as std::lock_guard and std::unique_lock take
  // it. A class that refers to another object (a reference or pointer member) is a wrapper or a
  // guard: it is read from its body instead.
  if (llvm::any_of(Record->fields(), [](const FieldDecl *Field) {
        QualType T = Field->getType();
        return T->isReferenceType() || T->isPointerType() || T->isDependentType();
      }))
    return false;
  auto Has = [&](StringRef Name) {
    return llvm::any_of(Record->methods(), [&](const CXXMethodDecl *Method) {
      return !Method->isStatic() && Method->getIdentifier() && Method->getName() == Name &&
             Method->getNumParams() == 0 && Method->getReturnType()->isVoidType();
    });
  };
  return Has("lock") && Has("unlock");
}

std::optional<LockKind> LockModel::inferredGuardKind(const CXXRecordDecl *Record) const {
  Record = Record ? Record->getDefinition() : nullptr;
  if (!Record || Record->isLambda() || !isUserCode(Record))
    return std::nullopt;
  if (auto Known = InferredGuards.find(Record); Known != InferredGuards.end())
    return Known->second;
  InferredGuards[Record] = std::nullopt;
  if (std::optional<LockKind> Derived = derivedGuardKind(Record)) {
    InferredGuards[Record] = Derived;
    return Derived;
  }
  // Bodies another unit defines are read there (the project index).
  const CXXDestructorDecl *Dtor = Record->getDestructor();
  bool Unlocks = Dtor && destructorUnlocksMember(Dtor);
  // An unseen destructor's constructors are looked up too: the unit needs their facts.
  if (!Unlocks && (!Dtor || Dtor->hasBody() || Dtor->isImplicit() || Dtor->isDefaulted()))
    return std::nullopt;
  std::optional<LockKind> Kind;
  for (const CXXConstructorDecl *Ctor : Record->ctors()) {
    if (Ctor->isCopyOrMoveConstructor())
      continue;
    if (Ctor->hasBody()) {
      Kind = constructorLocksParameter(Ctor);
    } else if (const FunctionFacts *Facts = factsOfUnseen(Ctor)) {
      Kind = Facts->GuardLocks;
    }
    if (Kind)
      break;
  }
  if (!Unlocks)
    Kind = std::nullopt;
  InferredGuards[Record] = Kind;
  return Kind;
}

bool LockModel::destructorUnlocksMember(const CXXDestructorDecl *Dtor) const {
  const FunctionDecl *Def = nullptr;
  if (!Dtor->hasBody(Def) || !Def) {
    const FunctionFacts *Facts = factsOfUnseen(Dtor);
    return Facts && Facts->LockEffect && Facts->LockEffect->Action == LockAction::Unlock;
  }
  return llvm::any_of(lockCallsWithOwnMethods(Def), [](const LockCall &Call) {
    return Call.Action == LockAction::Unlock && thisField(Call.Operand);
  });
}

std::optional<LockKind> LockModel::constructorLocksParameter(const CXXConstructorDecl *Ctor) const {
  const FunctionDecl *Def = nullptr;
  if (!Ctor->hasBody(Def) || !Def)
    return std::nullopt;
  const auto *CtorDef = cast<CXXConstructorDecl>(Def);
  // The members the constructor stores a mutex parameter in: `mu_(mu)`, `mu_(&mu)`.
  llvm::SmallPtrSet<const FieldDecl *, 2> FromParams;
  for (const CXXCtorInitializer *Init : CtorDef->inits())
    if (Init->getMember() && parameterOf(Init->getInit()))
      FromParams.insert(Init->getMember());
  // A constructor that locks either way (by a flag) is exclusive unless the construction's
  // flag says otherwise (kindChosenBy): a write under it is not reported on a guess.
  std::optional<LockKind> Kind;
  for (const LockCall &Call : lockCallsWithOwnMethods(CtorDef)) {
    const FieldDecl *Field = thisField(Call.Operand);
    if (Call.Action == LockAction::Lock && (parameterOf(Call.Operand) || (Field && FromParams.contains(Field))))
      Kind = Kind == LockKind::Exclusive ? LockKind::Exclusive : Call.Kind;
  }
  return Kind;
}

std::optional<LockKind> LockModel::derivedGuardKind(const CXXRecordDecl *Record) const {
  // A guard derived from a guard whose constructors hand their mutex to the base's (Poco's
  // ScopedReadRWLock: `ScopedReadRWLock(RWLock &rwl) : ScopedRWLock(rwl, false) {}`): the base's
  // destructor unlocks; each base construction's constant flag picks the kind (exclusive if any
  // constructor locks exclusively).
  for (const CXXBaseSpecifier &Base : Record->bases()) {
    std::optional<LockKind> BaseKind = guardKind(Base.getType());
    const auto *BaseRecord = Base.getType()->getAsCXXRecordDecl();
    if (!BaseKind || !BaseRecord)
      continue;
    std::optional<LockKind> Kind;
    for (const CXXConstructorDecl *Ctor : Record->ctors()) {
      const FunctionDecl *Def = nullptr;
      if (Ctor->isCopyOrMoveConstructor() || !Ctor->hasBody(Def) || !Def)
        continue;
      for (const CXXCtorInitializer *Init : cast<CXXConstructorDecl>(Def)->inits()) {
        const auto *Construct = Init->isBaseInitializer() ? dyn_cast<CXXConstructExpr>(Init->getInit()) : nullptr;
        if (!Construct ||
            Construct->getConstructor()->getParent()->getCanonicalDecl() != BaseRecord->getCanonicalDecl() ||
            !llvm::any_of(Construct->arguments(), [](const Expr *Arg) { return parameterOf(Arg) != nullptr; }))
          continue;
        LockKind Here = kindChosenBy(Construct).value_or(*BaseKind);
        Kind = Kind == LockKind::Exclusive ? LockKind::Exclusive : Here;
      }
    }
    if (Kind)
      return Kind;
  }
  return std::nullopt;
}

std::optional<LockKind> LockModel::kindChosenBy(const CXXConstructExpr *Construct) const {
  const FunctionDecl *Def = nullptr;
  const CXXConstructorDecl *Ctor = Construct->getConstructor();
  if (!Ctor || !Ctor->hasBody(Def) || !Def)
    return std::nullopt;
  // The constructor's own `if (write)`, or the one of the member function it hands its flag to
  // (TBB's rw_scoped_lock: `rw_scoped_lock(m, write) { acquire(m, write); }`): which argument of
  // the construction the flag is.
  struct FlagTest {
    const IfStmt *If;
    unsigned Argument;
  };
  SmallVector<FlagTest, 2> Tests;
  auto TestsIn = [](const FunctionDecl *Fn, auto &&Add) {
    const auto *Body = dyn_cast_or_null<CompoundStmt>(Fn->getBody());
    for (const Stmt *S : Body ? Body->body() : ArrayRef<Stmt *>())
      if (const auto *If = dyn_cast<IfStmt>(S))
        if (const ParmVarDecl *Flag = parameterOf(If->getCond()))
          Add(If, Flag->getFunctionScopeIndex());
  };
  TestsIn(Def, [&](const IfStmt *If, unsigned Index) { Tests.push_back({If, Index}); });
  forEachNodeUnder<CXXMemberCallExpr>(
      Def->getBody(),
      [&](const CXXMemberCallExpr *Call) {
        const FunctionDecl *CalleeDef = nullptr;
        const Expr *Object = Call->getImplicitObjectArgument();
        if (!Object || !isa<CXXThisExpr>(peel(Object)) || !Call->getMethodDecl() ||
            !Call->getMethodDecl()->hasBody(CalleeDef) || !CalleeDef)
          return true;
        TestsIn(CalleeDef, [&](const IfStmt *If, unsigned Index) {
          const ParmVarDecl *Passed = Index < Call->getNumArgs() ? parameterOf(Call->getArg(Index)) : nullptr;
          if (Passed)
            Tests.push_back({If, Passed->getFunctionScopeIndex()});
        });
        return true;
      },
      LambdaBodies::Skip);
  for (const FlagTest &Test : Tests) {
    const IfStmt *If = Test.If;
    if (Test.Argument >= Construct->getNumArgs())
      continue;
    auto KindIn = [&](const Stmt *Branch) -> std::optional<LockKind> {
      for (const LockCall &Call : lockCallsIn(Branch))
        if (Call.Action == LockAction::Lock)
          return Call.Kind;
      return std::nullopt;
    };
    bool Value = false;
    const Expr *Arg = Construct->getArg(Test.Argument);
    if (!Arg->EvaluateAsBooleanCondition(Value, Ctor->getASTContext()))
      return std::nullopt;
    if (std::optional<LockKind> Kind = KindIn(Value ? If->getThen() : If->getElse()))
      return Kind;
  }
  return std::nullopt;
}

std::optional<LockModel::Role> LockModel::inferredRole(const FunctionDecl *Function) const {
  const auto *Method = dyn_cast<CXXMethodDecl>(Function);
  if (!Method || Method->isStatic() || isa<CXXConstructorDecl, CXXDestructorDecl>(Method) ||
      !isInferredMutex(Method->getParent()))
    return std::nullopt;
  const FunctionDecl *Key = Method->getCanonicalDecl();
  if (auto Known = InferredRoles.find(Key); Known != InferredRoles.end())
    return Known->second;
  InferredRoles[Key] = std::nullopt; // while reading the body: a call of itself has no role
  std::optional<Role> Effect = netEffectOnMembers(Method);
  if (const FunctionFacts *Facts = Method->hasBody() ? nullptr : factsOfUnseen(Method))
    Effect = Facts->LockEffect; // defined in another unit, read there
  InferredRoles[Key] = Effect;
  return Effect;
}

} // namespace mapguard
