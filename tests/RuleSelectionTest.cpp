// The rules of each check: which run by default (measured first-run precision), how the `Rules`
// option changes that, and that every check doc states each rule's figure and default as the
// catalog does.
#include "RuleSelection.h"
#include "CheckCatalog.h"
#include "TestSupport.h"

#include "llvm/ADT/StringSet.h"
#include "gtest/gtest.h"
#include <regex>

using namespace mapguard;

namespace {

const CheckInfo &check(llvm::StringRef Id) {
  const CheckInfo *Info = findCheck(Id);
  EXPECT_NE(Info, nullptr) << Id.str();
  return *Info;
}

TEST(RuleSelectionTest, RuleIdsAreUniqueAcrossChecks) {
  llvm::StringSet<> Seen;
  for (const CheckInfo &Info : checkCatalog()) {
    EXPECT_FALSE(Info.Rules.empty()) << Info.Id.str();
    for (const RuleInfo &Rule : Info.Rules) {
      EXPECT_TRUE(Seen.insert(Rule.Id).second) << Rule.Id.str();
      EXPECT_EQ(findCheckOfRule(Rule.Id), &Info);
    }
  }
}

TEST(RuleSelectionTest, DefaultIsTheRulesThatEarnedIt) {
  RuleInfo Precise{"a", "", 19, 20};
  RuleInfo Imprecise{"b", "", 17, 20};
  RuleInfo FewAllUseful{"c", "", 2, 2};
  RuleInfo FewOneNot{"d", "", 2, 3};
  RuleInfo Unmeasured{"e", "", 0, 0};
  EXPECT_TRUE(Precise.defaultOn());
  EXPECT_FALSE(Imprecise.defaultOn());
  EXPECT_TRUE(FewAllUseful.defaultOn());
  EXPECT_FALSE(FewOneNot.defaultOn());
  EXPECT_TRUE(Unmeasured.defaultOn());
  EXPECT_EQ(Precise.precisionText(), "19 of 20 useful (95%) on first runs");
  EXPECT_EQ(FewOneNot.precisionText(), "2 of 3 useful on first runs");
  EXPECT_EQ(Unmeasured.precisionText(), "no first-run finding");
  EXPECT_EQ(Precise.sarifPrecision(), "high");
  EXPECT_EQ(Imprecise.sarifPrecision(), "medium");
}

TEST(RuleSelectionTest, EmptySpecSelectsTheDefaultRules) {
  for (const CheckInfo &Info : checkCatalog()) {
    RuleSelection Selection(Info.Id, "");
    for (const RuleInfo &Rule : Info.Rules)
      EXPECT_EQ(Selection.enabled(Rule.Id), Rule.defaultOn()) << Rule.Id.str();
  }
}

TEST(RuleSelectionTest, ItemsApplyLeftToRight) {
  const CheckInfo &Erase = check("mapguard-erase-during-iteration");
  RuleSelection All(Erase.Id, "all");
  for (const RuleInfo &Rule : Erase.Rules)
    EXPECT_TRUE(All.enabled(Rule.Id)) << Rule.Id.str();
  RuleSelection Some(Erase.Id, "all; -reentrant-callback, -range-for-change");
  EXPECT_FALSE(Some.enabled("reentrant-callback"));
  EXPECT_FALSE(Some.enabled("range-for-change"));
  EXPECT_TRUE(Some.enabled("erase-then-use"));
  RuleSelection Back(Erase.Id, "-erase-then-use;+erase-then-use");
  EXPECT_TRUE(Back.enabled("erase-then-use"));
  RuleSelection Reset(Erase.Id, "all;default");
  for (const RuleInfo &Rule : Erase.Rules)
    EXPECT_EQ(Reset.enabled(Rule.Id), Rule.defaultOn()) << Rule.Id.str();
  EXPECT_TRUE(Some.unknownItems().empty());
}

TEST(RuleSelectionTest, RulesOfOtherChecksAreIgnoredAndUnknownOnesCollected) {
  RuleSelection Selection("mapguard-erase-during-iteration", "-inferred-guard;+no-such-rule");
  EXPECT_TRUE(Selection.enabled("double-advance"));
  ASSERT_EQ(Selection.unknownItems().size(), 1u);
  EXPECT_EQ(Selection.unknownItems()[0], "no-such-rule");
}

// Each check doc has a row per rule: `| `id` | ... | <precision text> | on/off |`.
TEST(RuleSelectionTest, CheckDocsStateEachRulesPrecisionAndDefault) {
  for (const CheckInfo &Info : checkCatalog()) {
    std::string Doc = test::readFile(MAPGUARD_SOURCE_DIR "/docs/checks/" + Info.Id.str() + ".md");
    for (const RuleInfo &Rule : Info.Rules) {
      std::string Precision = std::regex_replace(Rule.precisionText(), std::regex(R"([()%])"), R"(\$&)");
      std::regex Row("\\| `" + Rule.Id.str() + "` \\|[^\n]*\\| " + Precision + " \\| " +
                     (Rule.defaultOn() ? "on" : "off") + " \\|");
      EXPECT_TRUE(std::regex_search(Doc, Row))
          << Info.Id.str() << ".md needs the row: | `" << Rule.Id.str() << "` | ... | " << Rule.precisionText() << " | "
          << (Rule.defaultOn() ? "on" : "off") << " |";
    }
  }
}

} // namespace
