// Precompiled for every file of the checks (MAPGUARD_PRECOMPILED_HEADERS): the clang and LLVM
// headers nearly all of them include, most of each file's parse. Only those: a file that uses one
// of them without including it still builds here, but one of our own headers left out does not.
#ifndef MAPGUARD_PRECOMPILEDCLANGHEADERS_H
#define MAPGUARD_PRECOMPILEDCLANGHEADERS_H

#include "clang-tidy/ClangTidyCheck.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMap.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/ASTMatchers/ASTMatchers.h"
#include "clang/Analysis/CFG.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

#endif
