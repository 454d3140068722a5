#include "RuleSelection.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include <mutex>
#include <set>

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
  SmallVector<StringRef, 8> Groups, Items;
  Spec.split(Groups, ';');
  for (StringRef Group : Groups)
    Group.split(Items, ',');
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
  // Once per process and item: a global `Rules` is read by every check.
  static std::mutex ReportedMutex;
  static std::set<std::string> Reported;
  for (const std::string &Item : Selection.unknownItems()) {
    std::lock_guard<std::mutex> Lock(ReportedMutex);
    if (Reported.insert(Item).second)
      Check.configurationDiag("unknown rule '%0' in option 'Rules'; the rules are listed in the check docs") << Item;
  }
  return Selection;
}

std::vector<std::string> RuleSelection::unknownRules(const tidy::ClangTidyOptions::OptionMap &CheckOptions) {
  std::vector<std::string> Unknown;
  for (const auto &Entry : CheckOptions) {
    StringRef Key = Entry.getKey();
    StringRef Name = Key;
    if (Name != "Rules" && !(Name.consume_back(".Rules") && findCheck(Name)))
      continue;
    RuleSelection Selection(Name == "Rules" ? checkCatalog().front().Id : Name, Entry.getValue().Value);
    for (const std::string &Item : Selection.unknownItems())
      Unknown.push_back("'" + Item + "' (in " + Key.str() + ")");
  }
  return Unknown;
}

} // namespace mapguard
