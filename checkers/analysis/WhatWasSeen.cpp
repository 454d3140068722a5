#include "analysis/WhatWasSeen.h"

#include "analysis/GuardAnnotations.h"

#include "model/DeclaredLockInterface.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include <map>

using namespace clang;
using namespace clang::ast_matchers;

namespace mapguard {
namespace {

bool isProjectCode(const Decl *D, const SourceManager &SM) {
  return D && D->getLocation().isValid() && !SM.isInSystemHeader(D->getLocation());
}

/// \p File made absolute and without `.` and `..` (`examples/../lib/a.h` is `lib/a.h`): one
/// spelling of a header, whichever unit includes it how.
void absolutePath(const SourceManager &SM, llvm::SmallVectorImpl<char> &File) {
  SM.getFileManager().makeAbsolutePath(File);
  llvm::sys::path::remove_dots(File, /*remove_dot_dot=*/true);
}

/// The name of \p Container as written: the member of a class template's instance is the
/// template's (`LRUCache::map_`, not `LRUCache<std::string, int>::map_`), one declaration.
std::string declaredName(const ValueDecl *Container) {
  if (const auto *Field = dyn_cast<FieldDecl>(Container))
    if (const CXXRecordDecl *Pattern = cast<CXXRecordDecl>(Field->getParent())->getTemplateInstantiationPattern())
      for (const FieldDecl *Declared : Pattern->fields())
        if (Declared->getDeclName() == Field->getDeclName())
          return Declared->getQualifiedNameAsString();
  return Container->getQualifiedNameAsString();
}

/// The absolute file and the line of \p D, as the CLI reports places.
llvm::json::Object placeOf(const Decl *D, ASTContext &Ctx) {
  const SourceManager &SM = Ctx.getSourceManager();
  PresumedLoc Where = SM.getPresumedLoc(SM.getSpellingLoc(D->getLocation()));
  llvm::SmallString<256> File(Where.isValid() ? Where.getFilename() : "");
  absolutePath(SM, File);
  return llvm::json::Object{{"file", File.str().str()}, {"line", Where.isValid() ? Where.getLine() : 0}};
}

/// A class of the project that declares a lock and an unlock member function (by the lock model's
/// names) none of whose bodies this unit can read, and that the model does not know as a mutex or
/// a guard: one that is given an object at construction, whose lock() lives in another file.
bool isUnmodelledLockClass(const CXXRecordDecl *Record, QualType T, const LockModel &Locks, const SourceManager &SM) {
  return Record && !Record->isLambda() && isProjectCode(Record, SM) && !Locks.isMutex(T) && !Locks.guardKind(T) &&
         declaresUnreadLockInterface(Record, Locks);
}

/// The object type behind a reference or a pointer.
QualType objectType(QualType T) {
  T = T.getNonReferenceType();
  return T->isPointerType() ? T->getPointeeType() : T;
}

/// The accesses of \p Container that count for its guard and do not hold it: where the code
/// disagrees with the protocol (for `mapguard --explain-guards`).
llvm::json::Array accessesWithoutGuard(const GuardInference &Inference, const ValueDecl *Container,
                                       const GuardInfo &Guard, ASTContext &Ctx) {
  const SourceManager &SM = Ctx.getSourceManager();
  llvm::json::Array Without;
  for (const ContainerAccess &Access : Inference.accesses()) {
    if (Access.Container != Container || !Access.countsForGuard())
      continue;
    std::optional<ObjectPath> GuardPath = Inference.guardPath(Access, Guard);
    if (!GuardPath || !Inference.missesGuard(Access, Guard, *GuardPath))
      continue;
    PresumedLoc Where = SM.getPresumedLoc(SM.getSpellingLoc(Access.Ref->getExprLoc()));
    if (Where.isInvalid())
      continue;
    llvm::SmallString<256> File(Where.getFilename());
    absolutePath(SM, File);
    Without.push_back(
        llvm::json::Object{{"file", File.str().str()}, {"line", Where.getLine()}, {"what", Access.Use.What}});
  }
  return Without;
}

/// The annotation that would make the compiler enforce an inferred guard (`mapguard annotate`):
/// {"edits": [{file, offset, line, text, target}]} or {"leftOut": why}.
llvm::json::Object annotationJson(const GuardAnnotation &Annotation, StringRef Container, const SourceManager &SM) {
  if (!Annotation.LeftOut.empty())
    return llvm::json::Object{{"leftOut", Annotation.LeftOut}};
  llvm::json::Array Edits;
  for (const AnnotationEdit &Edit : Annotation.Edits) {
    auto [File, Offset] = SM.getDecomposedLoc(Edit.At);
    OptionalFileEntryRef Entry = SM.getFileEntryRefForID(File);
    if (!Entry)
      return llvm::json::Object{{"leftOut", "its declaration is not in a file"}};
    llvm::SmallString<256> Path(Entry->getName());
    absolutePath(SM, Path);
    Edits.push_back(llvm::json::Object{{"file", Path.str().str()},
                                       {"offset", Offset},
                                       {"line", SM.getLineNumber(File, Offset)},
                                       {"text", Edit.Text},
                                       {"target", Edits.empty() ? Container.str() : Edit.Target}});
  }
  return llvm::json::Object{{"edits", std::move(Edits)}};
}

} // namespace

std::string seenFactsJson(const GuardInference &Inference, ASTContext &Ctx, const Preprocessor *PP) {
  const SourceManager &SM = Ctx.getSourceManager();
  const LockModel &Locks = Inference.locks();
  llvm::json::Array Containers, LockClasses, Unmodelled;
  llvm::DenseSet<const ValueDecl *> SeenContainers;
  GuardAnnotator Annotator(Inference, Ctx, PP);
  llvm::DenseSet<const Decl *> SeenClasses;
  for (const ContainerAccess &Access : Inference.accesses()) {
    const ValueDecl *Container = Access.Container;
    if (!isProjectCode(Container, SM) || !SeenContainers.insert(Container).second)
      continue;
    llvm::json::Object Entry = placeOf(Container, Ctx);
    const std::string Name = declaredName(Container);
    Entry["name"] = Name;
    // Seen in a class template's definition, not an instance: its calls are not resolved.
    if (const auto *Field = dyn_cast<FieldDecl>(Container); Field && Field->getParent()->isDependentContext())
      Entry["inTemplate"] = true;
    const GuardInfo *Guard = Inference.guardOf(Container);
    Entry["guard"] = !Guard ? "none" : Guard->Annotated ? "annotated" : "inferred";
    if (Guard) {
      Entry["mutex"] = Guard->Mutex->getNameAsString();
      Entry["heldAt"] = Guard->HeldAt;
      Entry["counted"] = Guard->Counted;
      Entry["without"] = accessesWithoutGuard(Inference, Container, *Guard, Ctx);
      if (!Guard->Annotated)
        Entry["annotation"] = annotationJson(Annotator.annotate(Container, *Guard), Name, SM);
      const CXXRecordDecl *MutexClass = objectType(Guard->Mutex->getType())->getAsCXXRecordDecl();
      if (MutexClass && isProjectCode(MutexClass, SM) && SeenClasses.insert(MutexClass->getCanonicalDecl()).second)
        if (std::optional<StringRef> How = Locks.mutexEvidence(Guard->Mutex->getType(), Guard->Mutex)) {
          llvm::json::Object Class = placeOf(MutexClass, Ctx);
          Class["name"] = MutexClass->getQualifiedNameAsString();
          Class["how"] = *How;
          LockClasses.push_back(std::move(Class));
        }
    }
    Containers.push_back(std::move(Entry));
  }
  // Classes that look like locks and are used here, as a lock call's object or a guard's argument.
  llvm::DenseSet<const CXXRecordDecl *> Reported;
  auto Consider = [&](QualType Type) {
    QualType T = objectType(Type);
    const CXXRecordDecl *Record = T->getAsCXXRecordDecl();
    Record = Record ? Record->getDefinition() : nullptr;
    if (!Record || Reported.contains(Record) || !isUnmodelledLockClass(Record, T, Locks, SM))
      return;
    Reported.insert(Record);
    llvm::json::Object Class = placeOf(Record, Ctx);
    Class["name"] = Record->getQualifiedNameAsString();
    Unmodelled.push_back(std::move(Class));
  };
  for (const FunctionDecl *Fn : Inference.functions()) {
    if (!Fn->getBody())
      continue;
    for (const BoundNodes &Call : match(findAll(cxxMemberCallExpr().bind("call")), *Fn->getBody(), Ctx))
      if (const Expr *Object = Call.getNodeAs<CXXMemberCallExpr>("call")->getImplicitObjectArgument())
        Consider(Object->getType());
    for (const BoundNodes &Construct : match(findAll(cxxConstructExpr().bind("new")), *Fn->getBody(), Ctx))
      for (const Expr *Arg : Construct.getNodeAs<CXXConstructExpr>("new")->arguments())
        Consider(Arg->getType());
  }
  llvm::json::Object Facts{{"containers", std::move(Containers)},
                           {"lockClasses", std::move(LockClasses)},
                           {"unmodelled", std::move(Unmodelled)}};
  std::string Text;
  llvm::raw_string_ostream(Text) << llvm::json::Value(std::move(Facts));
  return Text;
}

} // namespace mapguard
