#include "EraseFixes.h"

#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "llvm/Support/Regex.h"

using namespace clang;

namespace mapguard {
namespace {

bool mentionsIdentifier(StringRef Text, StringRef Name) {
  return llvm::Regex(("(^|[^A-Za-z0-9_])" + Name + "($|[^A-Za-z0-9_])").str()).match(Text);
}

std::string freshName(StringRef Base, StringRef Context) {
  std::string Name = Base.str();
  while (mentionsIdentifier(Context, Name))
    Name += "_";
  return Name;
}

/// Whether \p E refers to the object at \p Target anywhere inside.
bool mentionsObject(const Stmt *E, const ObjectPath &Target, ObjectPathResolver &Resolver) {
  return anyNodeUnder<Expr>(E, [&](const Expr *Node) {
    if (!isa<DeclRefExpr, MemberExpr>(Node))
      return false;
    auto Path = Resolver.objectOf(Node);
    return Path && *Path == Target;
  });
}

/// `const auto& p` or `auto& [k, v]`: the loop variable's declaration as written.
std::string loopVariableText(const CXXForRangeStmt *Loop, const ASTContext &Ctx) {
  const SourceManager &SM = Ctx.getSourceManager();
  const VarDecl *Var = Loop->getLoopVariable();
  SourceLocation End;
  if (const auto *Decomposed = dyn_cast<DecompositionDecl>(Var)) {
    if (Decomposed->bindings().empty())
      return {};
    auto Bracket = Lexer::findNextToken(Decomposed->bindings().back()->getLocation(), SM, Ctx.getLangOpts());
    if (!Bracket || !Bracket->is(tok::r_square))
      return {};
    End = Bracket->getEndLoc();
  } else {
    End = Lexer::getLocForEndOfToken(Var->getLocation(), 0, SM, Ctx.getLangOpts());
  }
  if (Var->getBeginLoc().isMacroID() || End.isInvalid() || End.isMacroID())
    return {};
  return Lexer::getSourceText(CharSourceRange::getCharRange(Var->getBeginLoc(), End), SM, Ctx.getLangOpts()).str();
}

std::string indentationOf(SourceLocation Loc, const SourceManager &SM) {
  StringRef Buffer = SM.getBufferData(SM.getFileID(Loc));
  unsigned Offset = SM.getFileOffset(Loc);
  size_t LineStart = Buffer.rfind('\n', Offset);
  LineStart = LineStart == StringRef::npos ? 0 : LineStart + 1;
  StringRef Line = Buffer.substr(LineStart, Offset - LineStart);
  return Line.take_while([](char C) { return C == ' ' || C == '\t'; }).str();
}

bool isSimpleObjectText(StringRef Text) {
  return llvm::all_of(Text, [](char C) { return isalnum(C) || C == '_' || C == '.' || C == ':'; });
}

} // namespace

std::optional<FixItHint> rangeForEraseIfFix(const CXXForRangeStmt *Loop, const CallExpr *Erase,
                                            const ContainerTraits &Traits, const ObjectPath &Container,
                                            ObjectPathResolver &Resolver, ASTContext &Ctx) {
  const auto *If = dyn_cast_or_null<IfStmt>(soleStatement(Loop->getBody()));
  if (!If || If->getElse() || If->getInit() || If->getConditionVariable() || If->isConsteval() || If->isConstexpr() ||
      !Traits.UniqueKeys)
    return std::nullopt;
  const auto *Then = dyn_cast_or_null<Expr>(soleStatement(If->getThen()));
  const auto *Member = dyn_cast_or_null<CXXMemberCallExpr>(Erase);
  if (!Then || ignoringImplicit(Then) != Erase || !Member || Member->getNumArgs() != 1 ||
      Member->getMethodDecl()->getName() != "erase" || !isRangeForElementKey(Member->getArg(0), Loop) ||
      mentionsObject(If->getCond(), Container, Resolver))
    return std::nullopt;

  bool Cxx20Std = Traits.Library == ContainerLibrary::Std && Ctx.getLangOpts().CPlusPlus20;
  if (Traits.Library == ContainerLibrary::Other)
    return std::nullopt;
  std::string LoopText = sourceText(Loop, Ctx);
  std::string ContainerText = sourceText(Loop->getRangeInit(), Ctx);
  std::string Cond = sourceText(If->getCond(), Ctx);
  std::string VarText = loopVariableText(Loop, Ctx);
  if (LoopText.empty() || ContainerText.empty() || Cond.empty() || VarText.empty())
    return std::nullopt;

  std::string Replacement;
  bool Decomposed = isa<DecompositionDecl>(Loop->getLoopVariable());
  if (Cxx20Std || Traits.Library == ContainerLibrary::Absl) {
    std::string Param = VarText, Prologue;
    if (Decomposed) {
      std::string Entry = freshName("entry", LoopText);
      Param = "auto& " + Entry;
      Prologue = VarText + " = " + Entry + "; ";
    }
    Replacement = (Cxx20Std ? "std::erase_if(" : "absl::erase_if(") + ContainerText + ", [&](" + Param + ") { " +
                  Prologue + "return " + Cond + "; });";
  } else {
    std::string It = freshName("it", LoopText);
    std::string Object = isSimpleObjectText(ContainerText) ? ContainerText : "(" + ContainerText + ")";
    std::string Indent = indentationOf(Loop->getBeginLoc(), Ctx.getSourceManager());
    Replacement = "for (auto " + It + " = " + Object + ".begin(); " + It + " != " + Object + ".end();) {\n" + Indent +
                  "  " + VarText + " = *" + It + ";\n" + Indent + "  if (" + Cond + ")\n" + Indent + "    " + It +
                  " = " + Object + ".erase(" + It + ");\n" + Indent + "  else\n" + Indent + "    ++" + It + ";\n" +
                  Indent + "}";
  }
  // A body that ends in an expression statement leaves its `;` after the loop's source range.
  SourceRange Range = Loop->getSourceRange();
  SourceLocation AfterSemi =
      Lexer::findLocationAfterToken(Range.getEnd(), tok::semi, Ctx.getSourceManager(), Ctx.getLangOpts(), false);
  if (AfterSemi.isValid() && !isa<CompoundStmt>(Loop->getBody()))
    return FixItHint::CreateReplacement(CharSourceRange::getCharRange(Range.getBegin(), AfterSemi), Replacement);
  return FixItHint::CreateReplacement(CharSourceRange::getTokenRange(Range), Replacement);
}

namespace {
/// `for (...; ...; ++it) { ...; if (cond) <Action>; }`: the fixes that remove the loop's increment
/// and advance in an `else` branch instead, when \p Action (an expression) is the whole then-branch
/// of an `if` without else that ends the body of a `for` whose increment is exactly `++it`/`it++`
/// and no `continue` could skip the new branch. \p Inc is set to the increment.
std::optional<std::vector<FixItHint>> incrementIntoElse(const Expr *Action, const VarDecl *Iter,
                                                        const ParentMap &Parents, ASTContext &Ctx, const Expr *&Inc) {
  const SourceManager &SM = Ctx.getSourceManager();
  const LangOptions &LO = Ctx.getLangOpts();
  const Stmt *Parent = parentIgnoringImplicit(Parents, Action);
  if (const auto *Block = dyn_cast_or_null<CompoundStmt>(Parent); Block && Block->size() == 1)
    Parent = parentIgnoringImplicit(Parents, Block);
  const auto *If = dyn_cast_or_null<IfStmt>(Parent);
  const auto *ThenExpr = If ? dyn_cast_or_null<Expr>(soleStatement(If->getThen())) : nullptr;
  if (!If || If->getElse() || If->isConstexpr() || !ThenExpr || ignoringImplicit(ThenExpr) != Action)
    return std::nullopt;
  const Stmt *ThenBranch = If->getThen();
  const Stmt *Body = parentIgnoringImplicit(Parents, If);
  const auto *For = dyn_cast_or_null<ForStmt>(Body);
  if (const auto *Block = dyn_cast_or_null<CompoundStmt>(Body); Block && Block->body_back() == If)
    For = dyn_cast_or_null<ForStmt>(parentIgnoringImplicit(Parents, Block));
  if (!For || !For->getInc())
    return std::nullopt;
  Inc = For->getInc();
  // The increment must be exactly ++it / it++, and no `continue` may skip the new else branch.
  const auto *IncOperand = [&]() -> const Expr * {
    const Expr *Core = ignoringImplicit(Inc); // `it++` on a class iterator returns a bound temporary
    if (const auto *Unary = dyn_cast<UnaryOperator>(Core); Unary && Unary->isIncrementOp())
      return Unary->getSubExpr();
    if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(Core); Op && Op->getOperator() == OO_PlusPlus)
      return Op->getArg(0);
    return nullptr;
  }();
  const auto *IncRef = IncOperand ? dyn_cast<DeclRefExpr>(IncOperand->IgnoreParenImpCasts()) : nullptr;
  if (!IncRef || IncRef->getDecl() != Iter)
    return std::nullopt;
  struct ContinueFinder : RecursiveASTVisitor<ContinueFinder> {
    bool Found = false;
    bool VisitContinueStmt(ContinueStmt *) { return !(Found = true); }
    bool TraverseForStmt(ForStmt *) { return true; } // inner loops own their continues
    bool TraverseWhileStmt(WhileStmt *) { return true; }
    bool TraverseDoStmt(DoStmt *) { return true; }
    bool TraverseCXXForRangeStmt(CXXForRangeStmt *) { return true; }
  } Continues;
  Continues.TraverseStmt(const_cast<Stmt *>(For->getBody()));
  std::string IncText = sourceText(Inc, Ctx);
  if (Continues.Found || IncText.empty() || sourceText(If, Ctx).empty())
    return std::nullopt;
  std::vector<FixItHint> Fixes;
  Fixes.push_back(FixItHint::CreateRemoval(CharSourceRange::getTokenRange(Inc->getSourceRange())));
  if (isa<CompoundStmt>(ThenBranch)) {
    SourceLocation After = Lexer::getLocForEndOfToken(ThenBranch->getEndLoc(), 0, SM, LO);
    Fixes.push_back(FixItHint::CreateInsertion(After, " else { " + IncText + "; }"));
  } else {
    SourceLocation AfterSemi = Lexer::findLocationAfterToken(ThenBranch->getEndLoc(), tok::semi, SM, LO, false);
    if (AfterSemi.isInvalid())
      return std::nullopt;
    Fixes.push_back(FixItHint::CreateInsertion(AfterSemi, " else " + IncText + ";"));
  }
  return Fixes;
}
} // namespace

std::optional<std::vector<FixItHint>> iteratorLoopEraseFix(const CXXMemberCallExpr *Erase, const VarDecl *Iter,
                                                           const Stmt *FirstUse, const ParentMap &Parents,
                                                           ASTContext &Ctx, bool ReplaceKey) {
  const Expr *Inc = nullptr;
  std::optional<std::vector<FixItHint>> Fixes = incrementIntoElse(Erase, Iter, Parents, Ctx, Inc);
  // The increment must be the first use of the erased iterator.
  if (!Fixes || !FirstUse || !Inc->getSourceRange().fullyContains(FirstUse->getSourceRange()))
    return std::nullopt;
  std::string Name = Iter->getNameAsString();
  if (Erase->getType()->isVoidType() && !ReplaceKey) {
    Fixes->push_back(
        FixItHint::CreateReplacement(CharSourceRange::getTokenRange(Erase->getArg(0)->getSourceRange()), Name + "++"));
  } else {
    // A standard container's erase(iterator) returns the next iterator.
    Fixes->push_back(FixItHint::CreateInsertion(Erase->getBeginLoc(), Name + " = "));
    if (ReplaceKey)
      Fixes->push_back(
          FixItHint::CreateReplacement(CharSourceRange::getTokenRange(Erase->getArg(0)->getSourceRange()), Name));
  }
  return Fixes;
}

std::optional<std::vector<FixItHint>> doubleAdvanceFix(const Expr *Reassignment, const VarDecl *Iter,
                                                       const ParentMap &Parents, ASTContext &Ctx) {
  const Expr *Inc = nullptr;
  return incrementIntoElse(Reassignment, Iter, Parents, Ctx, Inc);
}

} // namespace mapguard
