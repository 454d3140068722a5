// Small AST helpers shared by the checks.
#ifndef MAPGUARD_CHECKERS_UTILS_ASTUTIL_H
#define MAPGUARD_CHECKERS_UTILS_ASTUTIL_H

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ParentMap.h"
#include "clang/AST/Stmt.h"
#include "clang/AST/StmtCXX.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>
#include <string>

namespace mapguard {

/// The nearest parent statement of \p S that is not an implicit wrapper (casts, parens, temporaries,
/// ExprWithCleanups, implicit copy/move constructions). Uses a function's own ParentMap: the
/// ASTContext's parent map covers the whole translation unit and is costly to build.
const clang::Stmt *parentIgnoringImplicit(const clang::ParentMap &Parents, const clang::Stmt *S);

/// Whether \p Inner is \p Outer or below it, by a function's own ParentMap.
bool contains(const clang::Stmt *Outer, const clang::Stmt *Inner, const clang::ParentMap &Parents);

/// \p S with implicit wrappers removed (the downward counterpart of parentIgnoringImplicit).
const clang::Expr *ignoringImplicit(const clang::Expr *E);

/// The first declaration of \p Fn (the key of per-function facts); null for null.
inline const clang::FunctionDecl *canonical(const clang::FunctionDecl *Fn) {
  return Fn ? Fn->getCanonicalDecl() : nullptr;
}

/// Whether \p Key names the key of the element \p Loop visits: `k` of `auto &[k, v]`, `e.first` of
/// `auto &e`, or the element itself of a set.
bool isRangeForElementKey(const clang::Expr *Key, const clang::CXXForRangeStmt *Loop);

/// The statement if it is one, or the only statement of a `{ ... }` block.
const clang::Stmt *soleStatement(const clang::Stmt *S);

/// Source text of a statement's token range; empty if it touches a macro expansion.
std::string sourceText(const clang::Stmt *S, const clang::ASTContext &Ctx);

/// The left-hand side if \p S is a plain assignment (builtin or operator=), else null.
const clang::Expr *assignmentTarget(const clang::Stmt *S);

/// Every expression in \p S (lambda bodies included) that names \p D, in source order.
llvm::SmallVector<const clang::DeclRefExpr *, 4> referencesTo(const clang::Stmt *S, const clang::ValueDecl *D);

/// Whether \p Name is declared or referred to in \p Body: a new declaration of that name would
/// clash with it or hide it.
bool namesDeclaredOrUsed(const clang::Stmt *Body, llvm::StringRef Name);

/// Whether \p S assigns to the variable \p Var (`Var = ...`).
bool assignsTo(const clang::Stmt *S, const clang::ValueDecl *Var);

/// Whether \p Body assigns the member \p Field (`field_ = v`, also through an `operator=`) a value
/// that \p Counts accepts (every value when it is null).
bool assignsMember(const clang::Stmt *Body, const clang::FieldDecl *Field,
                   llvm::function_ref<bool(const clang::Expr *Value)> Counts = nullptr);

/// The class a type names: its record, or, for a dependent specialization in a template's
/// definition (`std::vector<T>`), the pattern of the class template. Null for other types.
const clang::CXXRecordDecl *recordOrPattern(clang::QualType T);

/// The declaration an expression names (`x`, `obj.member`, `this->member`), or null.
const clang::ValueDecl *declOfExpr(const clang::Expr *E);

/// A call of a member function not resolved yet, in a template's definition: `m.erase(k)` on an
/// object of dependent type or with dependent arguments, `m[k]` or `m = x` through an operator.
struct DependentMemberCall {
  const clang::Expr *Object; // the object, or a pointer to it when ViaPointer
  std::string Name;          // "erase", "operator[]", "operator="
  bool ViaPointer = false;
};
std::optional<DependentMemberCall> dependentMemberCall(const clang::CallExpr *Call);

/// For a function in a template's definition: whether the translation unit instantiates it, or,
/// for a member of a class template, any member of that class template. A template nothing
/// instantiates is analysed in its definition; one that is instantiated, where it is (there the
/// types are known), and not twice.
bool templateInstantiatedInUnit(const clang::FunctionDecl *Pattern);

/// Whether \p Record itself (not a base) declares a member function, or function template, named
/// \p Name.
bool declaresMethodNamed(const clang::CXXRecordDecl *Record, llvm::StringRef Name);

/// A public member function, or an override of one: callable through the base class.
bool isPubliclyCallable(const clang::CXXMethodDecl *Method);

/// Whether code in \p Fn may name \p Member: it is public, or \p Fn is a member (or friend) of its
/// class or of a class nested in it, or, for a protected one, of a class derived from it.
bool mayNameMember(const clang::FunctionDecl *Fn, const clang::ValueDecl *Member);

/// Whether \p Loc is inside a debug assertion (`assert`, `DCHECK*`, `Q_ASSERT`, `BOOST_ASSERT`...):
/// code that release builds drop and that states what the author believes, often read unlocked.
bool isInDebugAssertion(clang::SourceLocation Loc, const clang::ASTContext &Ctx);

/// The variable a condition tests through any number of `!` (`found`, `!found`, `!!p`), and whether
/// the test is negated; null when the condition is anything else.
std::pair<const clang::ValueDecl *, bool> testedVariable(const clang::Expr *Condition);

/// The truth a literal-like value has in a condition, when the expression alone decides it: `true`,
/// `0`, `nullptr`, `this`, `&x`.
std::optional<bool> literalTruth(const clang::Expr *E);

/// The loop or switch statement \p Break leaves.
const clang::Stmt *breakTarget(const clang::BreakStmt *Break, const clang::ParentMap &Parents);

} // namespace mapguard

#endif
