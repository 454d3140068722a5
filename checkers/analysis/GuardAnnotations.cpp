#include "analysis/GuardAnnotations.h"

#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Lex/Lexer.h"
#include "clang/Lex/MacroInfo.h"
#include "llvm/ADT/STLExtras.h"

using namespace clang;

namespace mapguard {
namespace {

/// The attribute names (any of) a macro's body must use to spell one annotation, its fallback
/// spelling, and whether it takes arguments (NO_THREAD_SAFETY_ANALYSIS does not).
struct AttributeSpelling {
  llvm::ArrayRef<llvm::StringLiteral> Names;
  llvm::StringLiteral Attribute;
  bool TakesArguments = true;
};
constexpr llvm::StringLiteral GuardedByNames[] = {"guarded_by", "__guarded_by__"};
constexpr llvm::StringLiteral RequiresNames[] = {"requires_capability", "exclusive_locks_required",
                                                 "__requires_capability__"};
constexpr llvm::StringLiteral RequiresSharedNames[] = {"requires_shared_capability", "shared_locks_required",
                                                       "__requires_shared_capability__"};
constexpr llvm::StringLiteral CapabilityNames[] = {"capability", "lockable", "__capability__"};
constexpr llvm::StringLiteral AcquireNames[] = {"acquire_capability", "exclusive_lock_function"};
constexpr llvm::StringLiteral AcquireSharedNames[] = {"acquire_shared_capability", "shared_lock_function"};
constexpr llvm::StringLiteral ReleaseNames[] = {"release_capability", "unlock_function"};
constexpr llvm::StringLiteral ReleaseSharedNames[] = {"release_shared_capability"};
constexpr llvm::StringLiteral TryAcquireNames[] = {"try_acquire_capability", "exclusive_trylock_function"};
constexpr llvm::StringLiteral TryAcquireSharedNames[] = {"try_acquire_shared_capability", "shared_trylock_function"};
constexpr llvm::StringLiteral NoAnalysisNames[] = {"no_thread_safety_analysis"};
enum SpellingId : unsigned {
  GuardedBy,
  Requires,
  RequiresShared,
  Capability,
  Acquire,
  AcquireShared,
  Release,
  ReleaseShared,
  TryAcquire,
  TryAcquireShared,
  NoAnalysis,
  SpellingCount
};
const AttributeSpelling Spellings[SpellingCount] = {
    {GuardedByNames, "guarded_by"},
    {RequiresNames, "requires_capability"},
    {RequiresSharedNames, "requires_shared_capability"},
    {CapabilityNames, "capability"},
    {AcquireNames, "acquire_capability"},
    {AcquireSharedNames, "acquire_shared_capability"},
    {ReleaseNames, "release_capability"},
    {ReleaseSharedNames, "release_shared_capability"},
    {TryAcquireNames, "try_acquire_capability"},
    {TryAcquireSharedNames, "try_acquire_shared_capability"},
    {NoAnalysisNames, "no_thread_safety_analysis", /*TakesArguments=*/false},
};

/// Spells the attributes with the project's macros, read once per unit (into \p Found, which the
/// unit's GuardAnnotator keeps) at the first use.
class Speller {
public:
  using Macro = GuardAnnotator::SpellingMacro;
  Speller(const Preprocessor *PP, const SourceManager &SM, std::optional<std::vector<Macro>> &Found)
      : PP(PP), SM(SM), Found(Found) {}

  /// The macro for \p Id defined before \p Before (the project's own before a library's, then by
  /// name), applied to \p Argument; else the GNU attribute.
  std::string spell(SpellingId Id, StringRef Argument, SourceLocation Before) {
    const AttributeSpelling &Spelling = Spellings[Id];
    if (!Found)
      Found = scan();
    for (const Macro &M : *Found)
      if (M.Spelling == Id && SM.isBeforeInTranslationUnit(M.Defined, Before))
        return Spelling.TakesArguments ? M.Name + "(" + Argument.str() + ")" : M.Name;
    if (!Spelling.TakesArguments)
      return ("__attribute__((" + Spelling.Attribute + "))").str();
    return ("__attribute__((" + Spelling.Attribute + "(" + Argument + ")))").str();
  }

private:
  std::vector<Macro> scan() {
    std::vector<Macro> Seen;
    if (!PP)
      return Seen;
    for (const auto &Entry : PP->macros(/*IncludeExternalMacros=*/false)) {
      const MacroInfo *Info = PP->getMacroInfo(Entry.first);
      // (Not a library's reserved names: `_LIBCPP_REQUIRES_CAPABILITY` is libc++'s own.)
      if (!Info || Entry.first->getName().starts_with("_"))
        continue;
      for (unsigned Id = 0; Id < SpellingCount; ++Id) {
        const AttributeSpelling &Spelling = Spellings[Id];
        if (Info->isFunctionLike() != Spelling.TakesArguments || (Spelling.TakesArguments && !Info->getNumParams()))
          continue;
        if (llvm::any_of(Info->tokens(), [&](const Token &T) {
              return T.getIdentifierInfo() && llvm::is_contained(Spelling.Names, T.getIdentifierInfo()->getName());
            }))
          Seen.push_back({SM.isInSystemHeader(Info->getDefinitionLoc()), Entry.first->getName().str(),
                          Info->getDefinitionLoc(), Id});
      }
    }
    llvm::sort(Seen,
               [](const Macro &A, const Macro &B) { return std::tie(A.System, A.Name) < std::tie(B.System, B.Name); });
    return Seen;
  }

  const Preprocessor *PP;
  const SourceManager &SM;
  std::optional<std::vector<Macro>> &Found;
};

const CXXRecordDecl *recordOf(QualType T) {
  T = T.getNonReferenceType();
  if (T->isPointerType())
    T = T->getPointeeType();
  return T->getAsCXXRecordDecl();
}

template <typename AttrT> bool recordHas(const CXXRecordDecl *Record) {
  return Record && llvm::any_of(Record->redecls(), [](const TagDecl *D) { return D->hasAttr<AttrT>(); });
}

/// How the declaration of \p Container names \p Mutex in GUARDED_BY: a member of the same class (or
/// an accessible one of a base), or a variable with static storage declared before it.
std::optional<std::string> mutexNameAt(const ValueDecl *Container, const ValueDecl *Mutex, const SourceManager &SM) {
  if (const auto *MutexField = dyn_cast<FieldDecl>(Mutex)) {
    const auto *Field = dyn_cast<FieldDecl>(Container);
    if (!Field)
      return std::nullopt;
    const CXXRecordDecl *Owner = cast<CXXRecordDecl>(Field->getParent());
    const CXXRecordDecl *MutexOwner = cast<CXXRecordDecl>(MutexField->getParent());
    if (Owner->getCanonicalDecl() == MutexOwner->getCanonicalDecl() ||
        (MutexField->getAccess() != AS_private && Owner->hasDefinition() && Owner->isDerivedFrom(MutexOwner)))
      return MutexField->getNameAsString();
    return std::nullopt;
  }
  const auto *Var = dyn_cast<VarDecl>(Mutex);
  if (!Var || !Var->hasGlobalStorage() || Var->isStaticLocal() ||
      !SM.isBeforeInTranslationUnit(Var->getCanonicalDecl()->getLocation(), Container->getLocation()))
    return std::nullopt;
  return Var->getQualifiedNameAsString();
}

/// Where an attribute after the declarator of \p D goes: after its name, or after an array bound.
std::optional<SourceLocation> afterDeclarator(const DeclaratorDecl *D, const SourceManager &SM, const LangOptions &LO) {
  SourceLocation End = D->getLocation();
  if (End.isInvalid() || !End.isFileID())
    return std::nullopt;
  if (const TypeSourceInfo *Info = D->getTypeSourceInfo()) {
    SourceLocation TypeEnd = Info->getTypeLoc().getEndLoc();
    if (TypeEnd.isFileID() && SM.isBeforeInTranslationUnit(End, TypeEnd))
      End = TypeEnd;
  }
  SourceLocation After = Lexer::getLocForEndOfToken(End, 0, SM, LO);
  return After.isValid() ? std::optional(After) : std::nullopt;
}

std::string placeOf(const Stmt *S, const SourceManager &SM) {
  PresumedLoc Where = SM.getPresumedLoc(SM.getSpellingLoc(S->getBeginLoc()));
  if (Where.isInvalid())
    return "?";
  return (llvm::sys::path::filename(Where.getFilename()) + ":" + Twine(Where.getLine())).str();
}

/// Whether \p S is written in the body of \p Fn itself (not in a lambda inside it).
bool isWithin(const Stmt *S, const FunctionDecl *Fn) {
  return S && anyNodeUnder<Stmt>(Fn->getBody(), [&](const Stmt *Node) { return Node == S; }, LambdaBodies::Skip);
}

/// Accesses the compiler judges: not in constructors and destructors (which -Wthread-safety skips)
/// or in functions that opt out of it.
bool judgedByCompiler(const ContainerAccess &Access) {
  for (const FunctionDecl *Fn : {Access.Function, Access.Enclosing})
    if (!Fn || isa<CXXConstructorDecl, CXXDestructorDecl>(Fn) || Fn->hasAttr<NoThreadSafetyAnalysisAttr>())
      return false;
  return true;
}

/// The annotations that make \p Mutex, a project's class with lock and unlock member functions,
/// a capability -Wthread-safety checks: CAPABILITY on the class, ACQUIRE / RELEASE / TRY_ACQUIRE
/// on its lock functions, whose own bodies (locking a member) the analysis then skips. None when a
/// declaration cannot take them (written by a macro, a template instance's own).
std::optional<std::vector<AnnotationEdit>> capabilityEdits(const CXXRecordDecl *Mutex, const LockModel &Locks,
                                                           Speller &Spelled) {
  Mutex = Mutex->getDefinition();
  if (!Mutex || Mutex->getTemplateInstantiationPattern() || !Mutex->getLocation().isFileID())
    return std::nullopt;
  std::vector<AnnotationEdit> Edits;
  SourceLocation Name = Mutex->getLocation();
  Edits.push_back({Name, Spelled.spell(Capability, "\"mutex\"", Name) + " ", Mutex->getQualifiedNameAsString()});
  bool Acquires = false, Unlocks = false;
  for (const CXXMethodDecl *Method : Mutex->methods()) {
    std::optional<LockModel::Role> Role = Method->isUserProvided() ? Locks.roleOf(Method) : std::nullopt;
    if (!Role)
      continue;
    bool Shared = Role->Kind == LockKind::Shared;
    SpellingId Spelling = Role->Action == LockAction::Unlock    ? (Shared ? ReleaseShared : Release)
                          : Role->Action == LockAction::TryLock ? (Shared ? TryAcquireShared : TryAcquire)
                                                                : (Shared ? AcquireShared : Acquire);
    SourceLocation At = Method->getCanonicalDecl()->getInnerLocStart();
    if (At.isInvalid() || !At.isFileID())
      return std::nullopt;
    std::string Text = Spelled.spell(
        Spelling, Role->Action == LockAction::TryLock ? (Role->SuccessIsZero ? "false" : "true") : "", At);
    Edits.push_back({At, Text + " " + Spelled.spell(NoAnalysis, "", At) + " ", Method->getQualifiedNameAsString()});
    Acquires |= Role->Action != LockAction::Unlock;
    Unlocks |= Role->Action == LockAction::Unlock;
  }
  if (!Acquires || !Unlocks)
    return std::nullopt;
  return Edits;
}

class Planner {
public:
  Planner(const ValueDecl *Container, const GuardInfo &Guard, const GuardInference &Inference, ASTContext &Ctx,
          Speller &Spelled)
      : Container(Container), Guard(Guard), Inference(Inference), Ctx(Ctx), SM(Ctx.getSourceManager()),
        Spelled(Spelled) {}

  GuardAnnotation plan() {
    GuardAnnotation Result;
    Result.LeftOut = leftOut(Result.Edits);
    if (!Result.LeftOut.empty())
      Result.Edits.clear();
    return Result;
  }

private:
  std::string leftOut(std::vector<AnnotationEdit> &Edits) {
    if (Guard.Annotated)
      return "annotated already";
    const Decl *Declared = Container->getCanonicalDecl();
    if (SM.isInSystemHeader(Declared->getLocation()))
      return "declared in a library header";
    if (Guard.MutexViaHandle)
      return "the mutex is reached through '" + Guard.Mutex->getNameAsString() +
             "', a pointer or smart pointer, which mapguard does not annotate";
    std::optional<std::string> Mutex = mutexNameAt(Container, Guard.Mutex, SM);
    if (!Mutex)
      return "its declaration cannot name '" + Guard.Mutex->getNameAsString() + "'";
    const CXXRecordDecl *MutexClass = recordOf(Guard.Mutex->getType());
    if (!recordHas<CapabilityAttr>(MutexClass)) {
      std::string Type = Guard.Mutex->getType().getNonReferenceType().getAsString(Ctx.getPrintingPolicy());
      if (MutexClass && !SM.isInSystemHeader(MutexClass->getLocation())) {
        // The project's own class: annotated too, it becomes a capability.
        const CXXRecordDecl *Written = MutexClass->getTemplateInstantiationPattern();
        std::optional<std::vector<AnnotationEdit>> Wrapper =
            capabilityEdits(Written ? Written : MutexClass, Inference.locks(), Spelled);
        if (!Wrapper)
          return "the project's '" + Type +
                 "' carries no capability attribute, so -Wthread-safety cannot check a guard of it: annotate "
                 "the class CAPABILITY(\"mutex\") and its lock and unlock functions ACQUIRE() and RELEASE()";
        PlannedCapability = MutexClass;
        WrapperEdits = std::move(*Wrapper);
      } else {
        return "'" + Type +
               "' carries no capability attribute in this standard library, so -Wthread-safety cannot check a "
               "guard of it (lock it through a class that has one: libc++'s std::mutex and std::shared_mutex, "
               "absl::Mutex, or a wrapper of the project's)";
      }
    }
    const auto *Declarator = dyn_cast<DeclaratorDecl>(Declared);
    std::optional<SourceLocation> At = Declarator ? afterDeclarator(Declarator, SM, Ctx.getLangOpts()) : std::nullopt;
    if (!At)
      return "its declaration is written by a macro";
    Edits.push_back({*At, " " + Spelled.spell(GuardedBy, *Mutex, *At), Container->getQualifiedNameAsString()});
    Edits.insert(Edits.end(), WrapperEdits.begin(), WrapperEdits.end());
    for (const ContainerAccess &Access : Inference.accesses()) {
      if (Access.Container != Container || !judgedByCompiler(Access))
        continue;
      std::string Problem = judge(Access);
      if (!Problem.empty())
        return Problem;
    }
    return requiresEdits(*Mutex, Edits);
  }

  /// What keeps the compiler from accepting \p Access under the annotation, other than a missing
  /// lock mapguard reports as well (empty: nothing).
  std::string judge(const ContainerAccess &Access) {
    std::optional<ObjectPath> GuardPath = Inference.guardPath(Access, Guard);
    const HeldLock *Lock = GuardPath ? Access.Held.find(*GuardPath) : nullptr;
    if (!Lock) {
      // A finding the compiler will make too; anything else mapguard accepts and it would not.
      if (Access.countsForGuard() && GuardPath && Inference.missesGuard(Access, Guard, *GuardPath))
        return "";
      return "the access at " + placeOf(Access.Ref, SM) +
             " holds no lock and mapguard accepts it (before the threads start, a protocol of two locks, a "
             "single writer, or an accessor); -Wthread-safety would not";
    }
    if (Lock->Guard) {
      const CXXRecordDecl *GuardClass = recordOf(Lock->Guard->getType());
      if (!recordHas<ScopedLockableAttr>(GuardClass))
        return "it is locked through '" + Lock->Guard->getType().getAsString(Ctx.getPrintingPolicy()) +
               "', which is not a scoped capability here, so -Wthread-safety does not see the lock (" +
               placeOf(Access.Ref, SM) + ")";
    } else if (Lock->AcquiredAt) {
      const auto *Call = dyn_cast<CallExpr>(Lock->AcquiredAt);
      const FunctionDecl *Callee = Call ? Call->getDirectCallee() : nullptr;
      const auto *Method = dyn_cast_or_null<CXXMethodDecl>(Callee);
      bool Planned = Method && PlannedCapability &&
                     Method->getParent()->getCanonicalDecl() == PlannedCapability->getCanonicalDecl();
      if (!Callee ||
          !(Planned || Callee->hasAttr<AcquireCapabilityAttr>() || Callee->hasAttr<TryAcquireCapabilityAttr>()))
        return "it is locked at " + placeOf(Lock->AcquiredAt, SM) +
               " by a call that carries no ACQUIRE, so -Wthread-safety does not see the lock";
    }
    bool InLambda = Access.Function != Access.Enclosing;
    if (InLambda && !(Lock->Guard && Lock->Guard->getDeclContext() == Access.Function) &&
        !(Lock->AcquiredAt && isWithin(Lock->AcquiredAt, Access.Function)))
      return "the lambda at " + placeOf(Access.Ref, SM) +
             " runs under its creator's lock, and -Wthread-safety checks a lambda on its own";
    if (!Lock->Guard && !Lock->AcquiredAt && !Access.Function->hasAttr<RequiresCapabilityAttr>())
      NeedRequires.insert(canonical(Access.Function));
    return "";
  }

  /// REQUIRES at each helper that runs with the guard held from its callers, and at the callers
  /// that only hold it from theirs.
  std::string requiresEdits(StringRef Mutex, std::vector<AnnotationEdit> &Edits) {
    llvm::SmallVector<const FunctionDecl *, 4> Work(NeedRequires.begin(), NeedRequires.end());
    while (!Work.empty()) {
      const FunctionDecl *Fn = Work.pop_back_val();
      for (const FunctionDecl *Caller : Inference.callersOf(Fn))
        if (heldOnEntry(Caller) && !Caller->hasAttr<RequiresCapabilityAttr>() &&
            NeedRequires.insert(canonical(Caller)).second)
          Work.push_back(canonical(Caller));
    }
    llvm::SmallVector<const FunctionDecl *, 4> Sorted(NeedRequires.begin(), NeedRequires.end());
    llvm::sort(Sorted, [&](const FunctionDecl *A, const FunctionDecl *B) {
      return SM.isBeforeInTranslationUnit(A->getLocation(), B->getLocation());
    });
    for (const FunctionDecl *Fn : Sorted) {
      const HeldLock *Lock = heldOnEntry(Fn);
      if (!Lock)
        return "'" + Fn->getQualifiedNameAsString() + "' holds it from its callers in a way REQUIRES cannot name";
      if (isa<CXXMethodDecl>(Fn) && cast<CXXMethodDecl>(Fn)->getParent()->isLambda())
        return "a lambda runs under its creator's lock, and -Wthread-safety checks a lambda on its own";
      // A member of a class template's instance is annotated in the template.
      const FunctionDecl *Written = Fn->getTemplateInstantiationPattern();
      const FunctionDecl *First = (Written ? Written : Fn)->getCanonicalDecl();
      if (SM.isInSystemHeader(First->getLocation()))
        return "'" + Fn->getQualifiedNameAsString() + "' holds it from its callers and is a library's";
      SourceLocation At = First->getInnerLocStart();
      if (At.isInvalid() || !At.isFileID())
        return "'" + Fn->getQualifiedNameAsString() + "' holds it from its callers and is declared by a macro";
      SpellingId Spelling = Lock->Kind == LockKind::Shared ? RequiresShared : Requires;
      Edits.push_back({At, Spelled.spell(Spelling, Mutex, At) + " ", First->getQualifiedNameAsString()});
    }
    return "";
  }

  /// The guard held on entry of \p Fn because its callers hold it, as `this->mu_` or the global.
  const HeldLock *heldOnEntry(const FunctionDecl *Fn) {
    const LockSet *Entry = Inference.inferredEntry(Fn);
    if (!Entry)
      return nullptr;
    for (const HeldLock &Lock : Entry->held()) {
      const ObjectPath &Path = Lock.Mutex;
      bool Member = Path.isRootedAtThis() && Path.steps().size() == 1 && Path.lastField() == Guard.Mutex;
      bool Global = !Path.isRootedAtThis() && Path.steps().empty() && Path.rootVariable() == Guard.Mutex;
      if (Member || Global)
        return &Lock;
    }
    return nullptr;
  }

  const ValueDecl *Container;
  const GuardInfo &Guard;
  const GuardInference &Inference;
  ASTContext &Ctx;
  const SourceManager &SM;
  Speller &Spelled;
  llvm::SmallPtrSet<const FunctionDecl *, 4> NeedRequires;
  const CXXRecordDecl *PlannedCapability = nullptr; // the project's mutex class annotated with it
  std::vector<AnnotationEdit> WrapperEdits;
};

} // namespace

GuardAnnotation GuardAnnotator::annotate(const ValueDecl *Container, const GuardInfo &Guard) {
  Speller Spelled(PP, Ctx.getSourceManager(), Macros);
  return Planner(Container, Guard, Inference, Ctx, Spelled).plan();
}

} // namespace mapguard
