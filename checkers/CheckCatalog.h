// What each mapguard check is, for front-ends that describe checks (SARIF rules, --list-checks).
#ifndef MAPGUARD_CHECKERS_CHECKCATALOG_H
#define MAPGUARD_CHECKERS_CHECKCATALOG_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace mapguard {

struct CheckInfo {
  llvm::StringRef Id;               // public, stable: "mapguard-erase-during-iteration"
  llvm::StringRef Name;             // SARIF rule name, PascalCase
  llvm::StringRef ShortDescription; // one sentence
  llvm::StringRef FullDescription;  // a paragraph
  llvm::StringRef Precision;        // SARIF/GitHub: very-high, high, medium, low
  llvm::ArrayRef<llvm::StringRef> Tags;
};

llvm::ArrayRef<CheckInfo> checkCatalog();
const CheckInfo *findCheck(llvm::StringRef Id);

} // namespace mapguard

#endif
