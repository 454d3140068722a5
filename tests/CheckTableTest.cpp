// The table of checks (checkers/Checks.def) is the one list: the module registers it, the catalog
// serves it (CliTest.ListChecksMatchesTheCatalogAndThePlugin), and here everything else a check
// needs (docs/adding-a-check.md) is held to it: the README's table of checks, one doc per check,
// the check's class files and its test files.
#include "CheckCatalog.h"
#include "TestSupport.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "gtest/gtest.h"
#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

using namespace mapguard;

namespace {

std::set<std::string> catalogIds() {
  std::set<std::string> Ids;
  for (const CheckInfo &Info : checkCatalog())
    Ids.insert(Info.Id.str());
  return Ids;
}

/// The files of \p Dir whose names match \p Pattern, by the pattern's first group.
std::set<std::string> namesIn(const std::string &Dir, const std::regex &Pattern) {
  std::set<std::string> Names;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC; It.increment(EC)) {
    std::smatch Match;
    std::string Name = llvm::sys::path::filename(It->path()).str();
    if (std::regex_match(Name, Match, Pattern))
      Names.insert(Match[1]);
  }
  return Names;
}

/// `mapguard-erase-during-iteration` as its class (`EraseDuringIteration`) and test file prefix
/// (`erase_during_iteration`) spell it.
std::string pascalCase(const std::string &Id) {
  std::string Out;
  bool Upper = true;
  for (char C : Id.substr(std::string("mapguard-").size())) {
    if (C == '-') {
      Upper = true;
      continue;
    }
    Out += Upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(C))) : C;
    Upper = false;
  }
  return Out;
}
std::string snakeCase(const std::string &Id) {
  std::string Out = Id.substr(std::string("mapguard-").size());
  std::replace(Out.begin(), Out.end(), '-', '_');
  return Out;
}

TEST(CheckTableTest, ReadmeTableListsEveryCheckOnceWithItsDoc) {
  std::string Readme = test::readFile(MAPGUARD_SOURCE_DIR "/README.md");
  std::regex Row(R"(\n\| \[`(mapguard-[a-z-]+)`\]\(docs/checks/([a-z-]+)\.md\) \|)");
  std::multiset<std::string> Rows;
  for (std::sregex_iterator It(Readme.begin(), Readme.end(), Row), End; It != End; ++It) {
    EXPECT_EQ((*It)[1], (*It)[2]) << "the README's row links another check's doc";
    Rows.insert((*It)[1]);
  }
  std::set<std::string> Ids = catalogIds();
  EXPECT_EQ(Rows, std::multiset<std::string>(Ids.begin(), Ids.end()));
}

TEST(CheckTableTest, EveryCheckHasItsDocClassAndTests) {
  std::set<std::string> Ids = catalogIds();
  EXPECT_EQ(namesIn(MAPGUARD_SOURCE_DIR "/docs/checks", std::regex(R"((mapguard-[a-z-]+)\.md)")), Ids)
      << "docs/checks/ has one doc per check, and no other";
  for (const std::string &Id : Ids) {
    SCOPED_TRACE(Id);
    std::string Doc = test::readFile(MAPGUARD_SOURCE_DIR "/docs/checks/" + Id + ".md");
    EXPECT_EQ(Doc.rfind("# " + Id + "\n", 0), 0U) << "a check's doc starts with its id as the title";
    std::string Class = pascalCase(Id) + "Check";
    for (const char *Ext : {".h", ".cpp"})
      EXPECT_TRUE(llvm::sys::fs::exists(MAPGUARD_SOURCE_DIR "/checkers/" + Class + Ext)) << Class << Ext;
    std::string Prefix = snakeCase(Id);
    EXPECT_FALSE(namesIn(MAPGUARD_SOURCE_DIR "/testdata/checks", std::regex("(" + Prefix + R"(\w*)\.cpp)")).empty())
        << "no test file testdata/checks/" << Prefix << "*.cpp";
  }
}

} // namespace
