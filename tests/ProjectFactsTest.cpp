// The project index's data (model/ProjectFacts.h) and one unit's part of it (analysis/UnitFacts.h):
// the file is deterministic and versioned, a stale or foreign file is not read, merging keeps one
// entry per function, a digest changes exactly when the facts a unit uses change, and a unit
// reports the facts its bodies show and the unseen callees whose facts it would use.
#include "model/ProjectFacts.h"
#include "TestSupport.h"
#include "analysis/UnitFacts.h"

#include "clang/Tooling/Tooling.h"
#include "gtest/gtest.h"
#include <set>

using namespace mapguard;
using mapguard::test::TempDir;
using mapguard::test::writeFile;

namespace {

FunctionFacts facts(std::string Name, std::string File) {
  FunctionFacts Facts;
  Facts.Name = std::move(Name);
  Facts.File = std::move(File);
  return Facts;
}

TEST(ProjectFactsTest, TheFileRoundTripsAndIsTheSameForTheSameFacts) {
  ProjectFacts A, B;
  FunctionFacts Pool = facts("rt::later", "/src/runtime.cpp");
  Pool.Deferred = {{0, false}};
  FunctionFacts Parallel = facts("rt::parallelFor", "/src/runtime.cpp");
  Parallel.Concurrent = {1};
  FunctionFacts Audit = facts("rt::audit", "/src/runtime.cpp");
  Audit.Throws = "std::runtime_error";
  FunctionFacts Shut = facts("Gate::shut", "/src/gate.cpp");
  Shut.LockEffect = LockModel::Role{LockAction::Lock, LockKind::Shared};
  FunctionFacts Hold = facts("Hold::Hold", "/src/gate.cpp");
  Hold.GuardLocks = LockKind::Exclusive;
  A.add("c:@F@later", Pool);
  A.add("c:@F@parallelFor", Parallel);
  A.add("c:@F@audit", Audit);
  A.add("c:@S@Gate@F@shut#", Shut);
  A.add("c:@S@Hold@F@Hold#", Hold);
  B.add("c:@S@Hold@F@Hold#", Hold);
  B.add("c:@S@Gate@F@shut#", Shut);
  B.add("c:@F@audit", Audit); // another order, the same file
  B.add("c:@F@parallelFor", Parallel);
  B.add("c:@F@later", Pool);
  EXPECT_EQ(A.serialize(), B.serialize());
  llvm::Expected<ProjectFacts> Read = ProjectFacts::parse(A.serialize());
  ASSERT_TRUE(bool(Read)) << llvm::toString(Read.takeError());
  ASSERT_NE(Read->find("c:@F@later"), nullptr);
  EXPECT_EQ(*Read->find("c:@F@later"), Pool);
  EXPECT_EQ(*Read->find("c:@F@parallelFor"), Parallel);
  EXPECT_EQ(*Read->find("c:@F@audit"), Audit);
  ASSERT_NE(Read->find("c:@S@Gate@F@shut#"), nullptr);
  EXPECT_EQ(*Read->find("c:@S@Gate@F@shut#"), Shut);
  EXPECT_EQ(*Read->find("c:@S@Hold@F@Hold#"), Hold);
  EXPECT_EQ(Read->find("c:@F@other"), nullptr);
}

TEST(ProjectFactsTest, AnotherVersionOrAMalformedFileIsNotRead) {
  for (const char *Text :
       {R"({"mapguard-project-index": 2, "functions": {}})", R"({"functions": {}})",
        R"({"mapguard-project-index": 1, "functions": {"u": {"name": "f", "file": "a", "lock": "x"}}})",
        R"({"mapguard-project-index": 1, "functions": {"u": {"name": "f", "file": "a", "guard": 1}}})",
        R"({"mapguard-project-index": 1, "functions": {"u": {"name": 3}}})", "not json"}) {
    llvm::Expected<ProjectFacts> Read = ProjectFacts::parse(Text);
    EXPECT_FALSE(bool(Read)) << Text;
    llvm::consumeError(Read.takeError());
  }
  // The editors' loader: a file it cannot read is no index, not an error.
  TempDir Dir;
  writeFile(Dir.file("mapguard.index"), "{\"mapguard-project-index\": 0}");
  EXPECT_EQ(loadProjectIndex(Dir.file("mapguard.index")), nullptr);
  EXPECT_EQ(loadProjectIndex(Dir.file("missing.index")), nullptr);
  ProjectFacts One;
  One.add("c:@F@f", facts("f", "/src/f.cpp"));
  writeFile(Dir.file("good.index"), One.serialize());
  std::shared_ptr<const ProjectFacts> Loaded = loadProjectIndex(Dir.file("good.index"));
  ASSERT_NE(Loaded, nullptr);
  EXPECT_NE(Loaded->find("c:@F@f"), nullptr);
}

TEST(ProjectFactsTest, MergingKeepsOneEntryPerFunctionWhateverTheOrder) {
  FunctionFacts InA = facts("inl", "/src/a.cpp"), InB = facts("inl", "/src/b.cpp");
  InB.Throws = "";
  ProjectFacts FromA, FromB;
  FromA.add("c:@F@inl", InA);
  FromB.add("c:@F@inl", InB);
  ProjectFacts AB = FromA, BA = FromB;
  AB.merge(FromB);
  BA.merge(FromA);
  EXPECT_EQ(AB.serialize(), BA.serialize());
  EXPECT_EQ(AB.find("c:@F@inl")->File, "/src/a.cpp"); // the file that sorts first
  // A partial run: an earlier index's entries for the units analysed now are dropped.
  ProjectFacts Earlier;
  Earlier.add("c:@F@gone", facts("gone", "/src/a.cpp"));
  Earlier.add("c:@F@kept", facts("kept", "/src/c.cpp"));
  ProjectFacts Now;
  llvm::StringSet<> Analysed;
  Analysed.insert("/src/a.cpp");
  Now.mergeExcept(Earlier, Analysed);
  EXPECT_EQ(Now.find("c:@F@gone"), nullptr);
  EXPECT_NE(Now.find("c:@F@kept"), nullptr);
}

TEST(ProjectFactsTest, ADigestChangesExactlyWhenTheFactsAUnitUsesChange) {
  ProjectFacts Index;
  FunctionFacts Later = facts("later", "/src/rt.cpp");
  Later.Deferred = {{0, false}};
  Index.add("c:@F@later", Later);
  Index.add("c:@F@other", facts("other", "/src/rt.cpp"));
  EXPECT_EQ(Index.digestOf({"c:@F@unknown"}), ""); // nothing known: no second look
  EXPECT_EQ(Index.digestOf({"c:@F@other"}), "");   // read, and it does what the first look assumed
  std::string Before = Index.digestOf({"c:@F@later", "c:@F@unknown"});
  EXPECT_FALSE(Before.empty());
  ProjectFacts Edited;
  Edited.add("c:@F@later", Later);
  FunctionFacts Other = facts("other", "/src/rt.cpp");
  Other.Throws = "std::runtime_error";
  Edited.add("c:@F@other", Other);
  EXPECT_EQ(Edited.digestOf({"c:@F@later"}), Before); // a fact it does not use
  Later.Deferred = {};
  ProjectFacts Changed;
  Changed.add("c:@F@later", Later);
  EXPECT_NE(Changed.digestOf({"c:@F@later"}), Before);
  FunctionFacts Release = facts("Lock::release", "/src/lock.cpp"); // read: it unlocks
  Release.LockEffect = LockModel::Role{LockAction::Unlock, LockKind::Exclusive};
  Changed.add("c:@S@Lock@F@release#", Release);
  EXPECT_NE(Changed.digestOf({"c:@S@Lock@F@release#"}), "");
  // A function a unit looked up as a lock class's: only its lock facts count.
  FunctionFacts Throwing = facts("Lock::flush", "/src/lock.cpp");
  Throwing.Throws = "std::runtime_error";
  Changed.add("c:@S@Lock@F@flush#", Throwing);
  EXPECT_EQ(Changed.digestOf({}, {"c:@S@Lock@F@flush#"}), "");
  EXPECT_NE(Changed.digestOf({}, {"c:@S@Lock@F@release#"}), "");
  EXPECT_NE(Changed.digestOf({"c:@S@Lock@F@flush#"}, {"c:@S@Lock@F@flush#"}), "");
}

TEST(ProjectFactsTest, AUnitReportsWhatItsBodiesShowAndTheCallsThatNeedOtherUnits) {
  const std::string Code = R"(
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
void later(std::function<void()> Task) noexcept;             // defined elsewhere
void quiet(std::function<void()> Task) noexcept;             // defined elsewhere
void now(const std::function<void()> &Task) noexcept;        // defined elsewhere
void check(int Code);                                        // defined elsewhere
void threaded(std::function<void()> Task) { std::thread(Task).detach(); }
void inPlace(std::function<void()> Task) { Task(); }
void fail(int Code) { if (Code) throw std::runtime_error("x"); }
static void hidden(std::function<void()> Task) { std::thread(Task).detach(); }
namespace { void alsoHidden(int Code) { throw std::logic_error("y"); } }
std::mutex Mu;
std::map<int, int> Counts;
void use(int N) {
  later([] { Counts[1]++; });                                // code that touches a container
  quiet([N] {});                                             // code that touches none
  now(nullptr);                                              // no code
  Mu.lock();
  check(N);                                                  // may throw while locked by hand
  Mu.unlock();
}
)";
  auto AST = clang::tooling::buildASTFromCodeWithArgs(
      Code, {"-std=c++17", "-resource-dir=" MAPGUARD_CLANG_RESOURCE_DIR}, "unit.cpp", "clang++");
  ASSERT_TRUE(AST && !AST->getDiagnostics().hasErrorOccurred());
  UnitFacts Facts = collectUnitFacts(AST->getASTContext(), ModelOptions::defaults());
  std::optional<UnitFacts> Parsed = parseUnitFacts(unitFactsJson(Facts));
  if (!Parsed) {
    FAIL() << "the unit's facts do not parse back";
  }
  const UnitFacts &Read = *Parsed;
  std::map<std::string, FunctionFacts> ByName;
  EXPECT_EQ(Read.Defined.serialize(), Facts.Defined.serialize());
  for (const auto &[Usr, Function] : Read.Defined.functions())
    ByName[Function.Name] = Function;
  ASSERT_EQ(ByName.count("threaded"), 1u);
  EXPECT_EQ(ByName["threaded"].Deferred, (std::vector<std::pair<unsigned, bool>>{{0, true}}));
  ASSERT_EQ(ByName.count("inPlace"), 1u); // read, hands nothing over
  EXPECT_TRUE(ByName["inPlace"].Deferred.empty());
  ASSERT_EQ(ByName.count("fail"), 1u);
  EXPECT_EQ(ByName["fail"].Throws, "std::runtime_error");
  EXPECT_EQ(ByName.count("hidden"), 0u); // no other unit can call them
  EXPECT_EQ(ByName.count("alsoHidden"), 0u);
  EXPECT_EQ(ByName.count("use"), 0u); // neither a callable parameter nor a throw
  // later() is given code that touches a container; quiet() and now() are not; check() may throw
  // where a lock is held by hand.
  ASSERT_EQ(Read.Needs.size(), 2u);
  EXPECT_NE(Read.Needs[0].find("check"), std::string::npos);
  EXPECT_NE(Read.Needs[1].find("later"), std::string::npos);
}

// A lock class and a guard whose bodies one unit defines: their facts, as another unit needs them.
const char *const LockClasses = R"(
#include <mutex>
class Gate {
public:
  void shut();
  void open();
private:
  std::mutex Mu;
};
class Hold {
public:
  explicit Hold(Gate &G);
  ~Hold();
private:
  Gate &G;
};
class Count {
public:
  void up();
  void down();
private:
  int N = 0;
};
)";

std::unique_ptr<clang::ASTUnit> unitOf(const std::string &Code) {
  return clang::tooling::buildASTFromCodeWithArgs(Code, {"-std=c++17", "-resource-dir=" MAPGUARD_CLANG_RESOURCE_DIR},
                                                  "unit.cpp", "clang++");
}

TEST(ProjectFactsTest, ALockClassesBodiesAreFactsAndAnotherUnitNeedsAndUsesThem) {
  auto Defining = unitOf(std::string(LockClasses) + R"(
void Gate::shut() { Mu.lock(); }
void Gate::open() { Mu.unlock(); }
Hold::Hold(Gate &G) : G(G) { G.shut(); }
Hold::~Hold() { G.open(); }
void Count::up() { ++N; }
void Count::down() { --N; }
)");
  ASSERT_TRUE(Defining && !Defining->getDiagnostics().hasErrorOccurred());
  UnitFacts Defined = collectUnitFacts(Defining->getASTContext(), ModelOptions::defaults());
  std::map<std::string, FunctionFacts> ByName;
  for (const auto &[Usr, Function] : Defined.Defined.functions())
    ByName[Function.Name] = Function;
  ASSERT_EQ(ByName.count("Gate::shut"), 1u);
  auto ActionOf = [&](const char *Name) {
    const std::optional<LockModel::Role> &Effect = ByName[Name].LockEffect;
    return Effect ? std::optional<LockAction>(Effect->Action) : std::nullopt;
  };
  EXPECT_EQ(ActionOf("Gate::shut"), LockAction::Lock);
  EXPECT_EQ(ActionOf("Gate::open"), LockAction::Unlock);
  EXPECT_EQ(ByName["Hold::Hold"].GuardLocks, LockKind::Exclusive);
  EXPECT_EQ(ActionOf("Hold::~Hold"), LockAction::Unlock);
  EXPECT_EQ(ByName.count("Count::up"), 0u); // read: it locks nothing
  EXPECT_EQ(ByName.count("Count::down"), 0u);

  auto Using = unitOf(std::string(LockClasses) + R"(
#include <map>
struct Store {
  Gate G;
  Count C;
  std::map<int, int> M;
  void put() { Hold H(G); M[1] = 1; C.up(); }
};
)");
  ASSERT_TRUE(Using && !Using->getDiagnostics().hasErrorOccurred());
  UnitFacts Needing = collectUnitFacts(Using->getASTContext(), ModelOptions::defaults());
  std::set<std::string> Needs(Needing.LockNeeds.begin(), Needing.LockNeeds.end());
  for (const auto &[Usr, Function] : Defined.Defined.functions())
    EXPECT_EQ(Needs.count(Usr), 1u) << Function.Name << " is not among the needs";
  EXPECT_NE(Defined.Defined.digestOf(Needing.Needs, Needing.LockNeeds), "");

  // The guard is known with the index, and only with it.
  const clang::VarDecl *Guard = nullptr;
  for (const clang::Decl *D : Using->getASTContext().getTranslationUnitDecl()->decls())
    if (const auto *Record = llvm::dyn_cast<clang::CXXRecordDecl>(D); Record && Record->getName() == "Store")
      for (const clang::CXXMethodDecl *Method : Record->methods())
        if (Method->getName() == "put")
          Guard = llvm::cast<clang::VarDecl>(
              llvm::cast<clang::DeclStmt>(*llvm::cast<clang::CompoundStmt>(Method->getBody())->body_begin())
                  ->getSingleDecl());
  ASSERT_NE(Guard, nullptr);
  EXPECT_FALSE(LockModel(LockModelOptions::defaults()).guardConstruction(Guard));
  clang::QualType Gate; // the type of Store::G
  for (const clang::Decl *D : Using->getASTContext().getTranslationUnitDecl()->decls())
    if (const auto *Record = llvm::dyn_cast<clang::CXXRecordDecl>(D); Record && Record->getName() == "Store")
      for (const clang::FieldDecl *Field : Record->fields())
        if (Field->getName() == "G")
          Gate = Field->getType();
  ASSERT_FALSE(Gate.isNull());
  EXPECT_FALSE(LockModel(LockModelOptions::defaults()).mutexEvidence(Gate)) << "a mutex only with the index";
  FactsRequest Request;
  Request.Index = std::make_shared<const ProjectFacts>(Defined.Defined);
  FactsScope Scope(Request);
  // The summary says where the class was read: another unit.
  EXPECT_EQ(LockModel(LockModelOptions::defaults()).mutexEvidence(Gate),
            std::optional<llvm::StringRef>("project index"));
  std::optional<LockModel::GuardConstruction> Construction =
      LockModel(LockModelOptions::defaults()).guardConstruction(Guard);
  if (!Construction) {
    FAIL() << "the guard is not known with the index";
  }
  EXPECT_EQ(Construction->Kind, LockKind::Exclusive);
  EXPECT_EQ(Construction->Mutexes.size(), 1u);
}

ContainerTally tally(std::string File, unsigned Counted, unsigned Held) {
  ContainerTally Tally;
  Tally.Name = "Cache::Items";
  Tally.File = std::move(File);
  Tally.Counted = Counted;
  Tally.Written = true;
  if (Held)
    Tally.HeldAt["c:@S@Cache@FI@Mu"] = {Held, true};
  return Tally;
}

TEST(ProjectFactsTest, ContainerTalliesRoundTripMergePerUnitAndDigestOnlyWhatOtherUnitsAdd) {
  ProjectFacts Index;
  Index.addTally("c:@S@Cache@FI@Items", tally("/src/cache_b.cpp", 1, 0));
  Index.addTally("c:@S@Cache@FI@Items", tally("/src/cache_a.cpp", 3, 3));
  llvm::Expected<ProjectFacts> Read = ProjectFacts::parse(Index.serialize());
  ASSERT_TRUE(bool(Read)) << llvm::toString(Read.takeError());
  EXPECT_EQ(Read->serialize(), Index.serialize());
  auto Others = Read->talliesElsewhere("c:@S@Cache@FI@Items", "/src/cache_b.cpp");
  ASSERT_EQ(Others.size(), 1u);
  EXPECT_EQ(*Others[0], tally("/src/cache_a.cpp", 3, 3));

  // A unit's own tally is not what another unit adds; a container no unit locks adds nothing.
  ProjectFacts Own;
  Own.addTally("c:@S@Cache@FI@Items", tally("/src/cache_b.cpp", 1, 0));
  EXPECT_NE(Index.digestOfTallies(Own), "");
  ProjectFacts Alone;
  Alone.addTally("c:@S@Cache@FI@Items", tally("/src/cache_b.cpp", 1, 0));
  EXPECT_EQ(Alone.digestOfTallies(Own), "");
  ProjectFacts Unlocked;
  Unlocked.addTally("c:@S@Cache@FI@Items", tally("/src/cache_a.cpp", 3, 0));
  Unlocked.addTally("c:@S@Cache@FI@Items", tally("/src/cache_b.cpp", 1, 0));
  EXPECT_EQ(Unlocked.digestOfTallies(Own), "");

  // A partial run replaces the tallies of the units it analyses, and keeps the others'.
  ProjectFacts Now;
  Now.addTally("c:@S@Cache@FI@Items", tally("/src/cache_a.cpp", 4, 4));
  llvm::StringSet<> Files;
  Files.insert("/src/cache_a.cpp");
  Now.mergeExcept(Index, Files);
  auto After = Now.talliesElsewhere("c:@S@Cache@FI@Items", "");
  ASSERT_EQ(After.size(), 2u);
  EXPECT_EQ(After[0]->Counted, 4u);
  EXPECT_EQ(After[1]->File, "/src/cache_b.cpp");
  EXPECT_NE(Now.digestOfTallies(Own), Index.digestOfTallies(Own)); // an edit of cache_a.cpp's accesses

  for (
      const char *Text :
      {R"({"mapguard-project-index": 1, "functions": {}, "containers": {"u": [{"name": "x", "file": "a"}]}})",
       R"({"mapguard-project-index": 1, "functions": {}, "containers": {"u": [{"name": "x", "file": "a", "counted": 1, "held": {"m": [1]}}]}})"}) {
    llvm::Expected<ProjectFacts> Bad = ProjectFacts::parse(Text);
    EXPECT_FALSE(bool(Bad)) << Text;
    if (!Bad)
      llvm::consumeError(Bad.takeError());
  }
}

} // namespace
