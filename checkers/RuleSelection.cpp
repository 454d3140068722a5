#include "RuleSelection.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

using namespace clang;

namespace mapguard {

RuleSelection::RuleSelection(StringRef CheckId, StringRef Spec) : Spec(Spec.str()) {
  const CheckInfo *Check = findCheck(CheckId);
  if (!Check)
    return;
  auto Reset = [&](bool All) {
    Enabled.clear();
    for (const RuleInfo &Rule : Check->Rules)
      if (All || Rule.defaultOn())
        Enabled.insert(Rule.Id);
  };
  Reset(/*All=*/false);
  SmallVector<StringRef, 8> Items;
  Spec.split(Items, [](char C) { return C == ';' || C == ','; });
  for (StringRef Item : Items) {
    Item = Item.trim();
    if (Item.empty())
      continue;
    if (Item == "all" || Item == "default") {
      Reset(Item == "all");
      continue;
    }
    bool Remove = Item.consume_front("-");
    if (!Remove)
      Item.consume_front("+");
    const CheckInfo *Owner = findCheckOfRule(Item);
    if (!Owner) {
      Unknown.push_back(Item.str());
      continue;
    }
    if (Owner != Check)
      continue; // a rule of another check, in a global list
    if (Remove)
      Enabled.erase(Item);
    else
      Enabled.insert(Item);
  }
}

RuleSelection RuleSelection::read(StringRef CheckId, const tidy::ClangTidyCheck::OptionsView &Options,
                                  tidy::ClangTidyCheck &Check) {
  RuleSelection Selection(CheckId, Options.getLocalOrGlobal("Rules", ""));
  for (const std::string &Item : Selection.unknownItems())
    Check.configurationDiag("unknown rule '%0' in option 'Rules' of %1; the rules are listed in the check docs")
        << Item << CheckId;
  return Selection;
}

} // namespace mapguard
