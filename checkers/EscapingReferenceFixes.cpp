#include "EscapingReferenceFixes.h"

#include "LockFixes.h"
#include "utils/AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/TypeLoc.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"

using namespace clang;

namespace mapguard {
namespace {
/// The return type as written before the name, if it is `const T &` or `T const &`: the range
/// to replace and T.
std::optional<std::pair<CharSourceRange, std::string>> constReferenceReturn(const FunctionDecl *Fn,
                                                                            const ASTContext &Ctx) {
  SourceLocation Begin = Fn->getBeginLoc();
  SourceLocation Name = Fn->getQualifierLoc() ? Fn->getQualifierLoc().getBeginLoc() : Fn->getLocation();
  if (Begin.isMacroID() || Name.isMacroID())
    return std::nullopt;
  const SourceManager &SM = Ctx.getSourceManager();
  auto Range = CharSourceRange::getCharRange(Begin, Name);
  StringRef Text = Lexer::getSourceText(Range, SM, Ctx.getLangOpts());
  size_t Skipped = 0;
  for (StringRef Specifier : {"inline ", "static ", "constexpr ", "[[nodiscard]] "}) {
    StringRef Rest = Text.ltrim();
    if (Rest.starts_with(Specifier)) {
      Skipped += Text.size() - Rest.size() + Specifier.size();
      Text = Rest.drop_front(Specifier.size());
    }
  }
  StringRef Type = Text.rtrim();
  if (!Type.consume_back("&") || Type.ends_with("&"))
    return std::nullopt;
  Type = Type.trim();
  if (!Type.consume_front("const ") && !Type.consume_back(" const"))
    return std::nullopt;
  Type = Type.trim();
  if (Type.empty() || Type.contains_insensitive("const") || Type.contains('('))
    return std::nullopt;
  return std::make_pair(CharSourceRange::getCharRange(Begin.getLocWithOffset(static_cast<int>(Skipped)), Name),
                        Type.str() + " ");
}

/// Whether objects of \p Record can be copied (a copy constructor that is not deleted).
bool isCopyable(const CXXRecordDecl *Record) {
  if (!Record->hasDefinition())
    return false;
  if (Record->hasUserDeclaredCopyConstructor())
    return llvm::any_of(Record->ctors(),
                        [](const CXXConstructorDecl *Ctor) { return Ctor->isCopyConstructor() && !Ctor->isDeleted(); });
  // A user-declared move deletes the implicit copy.
  return !Record->hasUserDeclaredMoveConstructor() && !Record->hasUserDeclaredMoveAssignment() &&
         !Record->defaultedCopyConstructorIsDeleted();
}
} // namespace

std::optional<FixItHint> copyBeforeReleaseFix(const ValueDecl *Var, const ASTContext &Ctx) {
  const auto *Local = dyn_cast<VarDecl>(Var);
  if (!Local || isa<ParmVarDecl, DecompositionDecl>(Local) || Local->isImplicit() || Local->isCXXForRangeDecl() ||
      !Local->hasLocalStorage() || !Local->getTypeSourceInfo())
    return std::nullopt;
  QualType Referenced = Local->getType()->isLValueReferenceType() ? Local->getType().getNonReferenceType() : QualType();
  if (Referenced.isNull() || !Referenced.isConstQualified() || Referenced->isArrayType() ||
      Referenced->isFunctionType() || Referenced->isDependentType())
    return std::nullopt;
  if (const auto *Record = Referenced->getAsCXXRecordDecl(); Record && !isCopyable(Record))
    return std::nullopt;
  auto Written = Local->getTypeSourceInfo()->getTypeLoc().getAs<LValueReferenceTypeLoc>();
  SourceLocation Sigil = Written ? Written.getSigilLoc() : SourceLocation();
  const SourceManager &SM = Ctx.getSourceManager();
  if (Sigil.isInvalid() || Sigil.isMacroID() || *SM.getCharacterData(Sigil) != '&')
    return std::nullopt;
  return FixItHint::CreateRemoval(CharSourceRange::getCharRange(Sigil, Sigil.getLocWithOffset(1)));
}

std::optional<FixItHint> keepLockFix(const VarDecl *Guard, const FunctionDecl *Fn, const ParentMap &Parents,
                                     const LockModel &Locks, const ASTContext &Ctx) {
  const auto *Record = Guard ? Guard->getType()->getAsCXXRecordDecl() : nullptr;
  if (!Record || !Record->getIdentifier() || Record->getName() != "unique_lock" || !Fn->getBody())
    return std::nullopt;
  auto Refs = referencesTo(Fn->getBody(), Guard);
  if (Refs.size() != 1)
    return std::nullopt;
  const auto *Member =
      dyn_cast_or_null<MemberExpr>(Parents.getParentIgnoreParenImpCasts(const_cast<DeclRefExpr *>(Refs.front())));
  const auto *Unlock =
      Member ? dyn_cast_or_null<CXXMemberCallExpr>(Parents.getParent(const_cast<MemberExpr *>(Member))) : nullptr;
  const auto *Block =
      Unlock ? dyn_cast_or_null<CompoundStmt>(Parents.getParent(const_cast<CXXMemberCallExpr *>(Unlock))) : nullptr;
  if (!Block || !Unlock->getMethodDecl() || Unlock->getMethodDecl()->getName() != "unlock" ||
      Unlock->getBeginLoc().isMacroID())
    return std::nullopt;
  bool InGuardBlock = false, AfterUnlock = false;
  for (const Stmt *S : Block->body()) {
    if (const auto *Decl = dyn_cast<DeclStmt>(S); Decl && llvm::is_contained(Decl->decls(), Guard))
      InGuardBlock = true;
    if (!AfterUnlock) {
      AfterUnlock = S == Unlock;
      continue;
    }
    if (!callsOnlyLockFreeLibrary(S, Locks, Ctx.getSourceManager()))
      return std::nullopt;
  }
  if (!InGuardBlock)
    return std::nullopt;
  return removeCallStatement(Unlock, Ctx);
}

std::vector<FixItHint> returnByValue(const FunctionDecl *Fn, const ASTContext &Ctx) {
  QualType Returned = Fn->getReturnType();
  if (!Returned->isLValueReferenceType() || !Returned.getNonReferenceType().isConstQualified() || Fn->isTemplated() ||
      Fn->isTemplateInstantiation())
    return {};
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn); Method && Method->isVirtual())
    return {};
  if (const auto *Record = Returned.getNonReferenceType()->getAsCXXRecordDecl(); Record && !isCopyable(Record))
    return {};
  std::vector<FixItHint> Fixes;
  for (const FunctionDecl *Redecl : Fn->redecls()) {
    auto Written = constReferenceReturn(Redecl, Ctx);
    if (!Written)
      return {};
    Fixes.push_back(FixItHint::CreateReplacement(Written->first, Written->second));
  }
  return Fixes;
}

} // namespace mapguard
