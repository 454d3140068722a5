// Unit tests of the shared models on real headers: which types are containers (through aliases,
// inline namespaces, debug mode, derived classes), which expressions name the same object, and
// which calls run a callable later (entry points of libraries not packaged here are declared).
#include "TestSupport.h"
#include "analysis/ObjectPath.h"
#include "model/ContainerModel.h"
#include "model/DeferringCallees.h"
#include "model/ModelOptions.h"

#include "clang/AST/ASTContext.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/Tooling/Tooling.h"
#include "gtest/gtest.h"

using namespace clang;
using namespace clang::ast_matchers;
using namespace mapguard;

namespace {

std::unique_ptr<ASTUnit> parse(const std::string &Code, std::vector<std::string> Args = {"-std=c++20"}) {
  Args.push_back("-resource-dir=" MAPGUARD_CLANG_RESOURCE_DIR);
  auto AST = tooling::buildASTFromCodeWithArgs(Code, Args, "input.cpp", "clang++");
  EXPECT_TRUE(AST && !AST->getDiagnostics().hasErrorOccurred()) << Code;
  return AST;
}

QualType typeOfVar(ASTUnit &AST, StringRef Name) {
  auto Found = match(varDecl(hasName(Name)).bind("v"), AST.getASTContext());
  EXPECT_EQ(Found.size(), 1u) << Name.str();
  return Found.empty() ? QualType() : Found[0].getNodeAs<VarDecl>("v")->getType();
}

/// The traits of a variable's type, failing the test (with defaults returned) if it is no container.
ContainerTraits traitsOf(const ContainerModel &Model, ASTUnit &AST, StringRef Var) {
  std::optional<ContainerTraits> Traits = Model.classify(typeOfVar(AST, Var));
  if (!Traits) {
    ADD_FAILURE() << Var.str() << " is not classified as a container";
    return {};
  }
  return *Traits;
}

const ContainerModel &defaultModel() {
  static const ContainerModel Model(ContainerModel::DefaultContainers, ContainerModel::DefaultInsertInvalidating);
  return Model;
}

TEST(ContainerModelTest, StdContainersThroughAliasesAndStdlibNamespaces) {
  const std::string Code = R"(
    #include <map>
    #include <set>
    #include <string>
    #include <unordered_map>
    #include <vector>
    using Sessions = std::map<std::string, int>;
    struct Derived : std::unordered_map<int, int> {};
    Sessions s; std::multimap<int, int> mm; std::unordered_map<int, int> um; std::set<int> st;
    Derived d; std::vector<int> vec; const Sessions &ref = s;
  )";
  for (const std::vector<std::string> &Args :
       {std::vector<std::string>{"-std=c++20"}, {"-std=c++20", "-D_GLIBCXX_DEBUG"}}) {
    auto AST = parse(Code, Args);
    const ContainerModel &Model = defaultModel();
    ContainerTraits Map = traitsOf(Model, *AST, "s");
    EXPECT_EQ(Map.Name, "std::map");
    EXPECT_FALSE(Map.InsertInvalidates);
    EXPECT_TRUE(Map.UniqueKeys);
    EXPECT_EQ(Map.Library, ContainerLibrary::Std);
    EXPECT_FALSE(traitsOf(Model, *AST, "mm").UniqueKeys);
    EXPECT_TRUE(traitsOf(Model, *AST, "um").InsertInvalidates);
    EXPECT_EQ(traitsOf(Model, *AST, "st").Name, "std::set");
    EXPECT_EQ(traitsOf(Model, *AST, "d").Name, "std::unordered_map");
    EXPECT_EQ(traitsOf(Model, *AST, "ref").Name, "std::map");
    ContainerTraits Vector = traitsOf(Model, *AST, "vec");
    EXPECT_EQ(Vector.Name, "std::vector");
    EXPECT_EQ(Vector.Shape, ContainerShape::Sequence);
    EXPECT_TRUE(Vector.InsertInvalidates); // a reallocation
    EXPECT_FALSE(Vector.ReferencesSurviveEndInsert);
    EXPECT_EQ(Vector.invalidatingInsertVerb(), "reallocate");
    EXPECT_TRUE(Map.ReferencesSurviveEndInsert);
    EXPECT_EQ(traitsOf(Model, *AST, "um").invalidatingInsertVerb(), "rehash");
  }
}

// A project's own container is read from its declaration (iteration or kept elements, plus members
// that add or remove, no lock inside); a handle (pointer, smart pointer) leads to the container it holds.
TEST(ContainerModelTest, OwnContainersAndHandles) {
  auto AST = parse(R"(
    #include <map>
    #include <memory>
    #include <mutex>
    #include <string>
    #include <vector>
    class Ring { public: void push(int); int pop(); int *begin(); int *end(); };
    class Locked { public: void add(int); int *begin(); int *end(); private: std::mutex mu; };
    class View { public: const int *begin() const; const int *end() const; };
    struct Node { int value; Node *next; };
    class Lru { public: void put(int, int); void del(int); private: std::map<int, int> index; };
    class Queue { public: void push(Node *); Node *pop(); private: Node *head, *tail; };
    class Settings { public: int get(int) const; void load(); private: std::map<int, int> values; };
    Ring ring; Locked locked; View view; std::string text; Lru lru; Queue queue; Settings settings;
    std::unique_ptr<std::map<int, int>> owned; std::shared_ptr<Ring> shared; std::map<int, int> *raw;
    std::unique_ptr<int> number; std::vector<int> *vec;
  )");
  const ContainerModel &Model = defaultModel();
  EXPECT_TRUE(Model.isOwnContainer(typeOfVar(*AST, "ring")));
  EXPECT_FALSE(Model.isOwnContainer(typeOfVar(*AST, "locked"))); // synchronizes itself
  EXPECT_FALSE(Model.isOwnContainer(typeOfVar(*AST, "view")));   // nothing adds or removes
  EXPECT_FALSE(Model.isOwnContainer(typeOfVar(*AST, "text")));   // the library's string
  // No begin()/end(): the elements are kept in a standard container or in linked nodes.
  EXPECT_TRUE(Model.isOwnContainer(typeOfVar(*AST, "lru")));
  EXPECT_TRUE(Model.isOwnContainer(typeOfVar(*AST, "queue")));
  EXPECT_FALSE(Model.isOwnContainer(typeOfVar(*AST, "settings"))); // nothing adds or removes
  for (const char *Handle : {"owned", "shared", "raw", "vec"})
    EXPECT_FALSE(Model.containerBehindHandle(typeOfVar(*AST, Handle)).isNull()) << Handle;
  EXPECT_TRUE(Model.containerBehindHandle(typeOfVar(*AST, "number")).isNull());
  EXPECT_TRUE(Model.containerBehindHandle(typeOfVar(*AST, "ring")).isNull()); // not a handle
}

TEST(ContainerModelTest, LibcxxInlineNamespace) {
  if (!llvm::sys::fs::exists("/usr/lib/llvm-" MAPGUARD_LLVM_MAJOR "/include/c++/v1/map"))
    GTEST_SKIP() << "libc++ is not installed";
  auto AST = parse("#include <unordered_map>\nstd::unordered_map<int, int> um;", {"-std=c++20", "-stdlib=libc++"});
  EXPECT_EQ(traitsOf(defaultModel(), *AST, "um").Name, "std::unordered_map");
}

TEST(ContainerModelTest, AbseilAndBoostFromDebianHeaders) {
  auto AST = parse(R"(
    #include <absl/container/btree_map.h>
    #include <absl/container/flat_hash_map.h>
    #include <boost/unordered_map.hpp>
    absl::flat_hash_map<int, int> FlatVar; absl::btree_map<int, int> TreeVar; boost::unordered_map<int, int> BoostVar;
  )",
                   {"-std=c++17"});
  const ContainerModel &Model = defaultModel();
  ContainerTraits Flat = traitsOf(Model, *AST, "FlatVar");
  EXPECT_EQ(Flat.Library, ContainerLibrary::Absl);
  EXPECT_TRUE(Flat.InsertInvalidates);
  EXPECT_EQ(traitsOf(Model, *AST, "TreeVar").Name, "absl::btree_map");
  EXPECT_EQ(traitsOf(Model, *AST, "BoostVar").Name, "boost::unordered_map");
}

TEST(ContainerModelTest, ConfiguredNamesOnly) {
  auto AST = parse("#include <map>\nnamespace app { struct Table {}; }\napp::Table t; std::map<int, int> m;");
  ContainerModel Model("app::Table", "");
  EXPECT_TRUE(Model.classify(typeOfVar(*AST, "t")));
  EXPECT_FALSE(Model.classify(typeOfVar(*AST, "m")));
}

TEST(ContainerOpsTest, ClassifiesWhatCallsDoToTheContainer) {
  auto AST = parse(R"(
    #include <map>
    #include <utility>
    void f(std::map<int, int> &m, std::map<int, int> &o, const std::map<int, int> &c) {
      m.erase(1); m[2] = 3; m.find(1); o.merge(m); std::swap(m, o); (void)c.at(1); m = o;
    }
  )");
  std::vector<std::string> Seen;
  for (const auto &Node : match(callExpr(isExpansionInMainFile()).bind("call"), AST->getASTContext())) {
    for (const ContainerOp &Op : containerOpsOf(Node.getNodeAs<CallExpr>("call"), defaultModel())) {
      static const char *Kinds[] = {"read", "insert", "rehash", "erase", "replace"};
      Seen.push_back(Op.Name + ":" + Kinds[static_cast<int>(Op.Kind)]);
    }
  }
  std::sort(Seen.begin(), Seen.end());
  EXPECT_EQ(Seen, (std::vector<std::string>{"at:read", "erase:erase", "find:read", "merge:erase", "merge:insert",
                                            "operator=:replace", "operator[]:insert", "swap:replace", "swap:replace"}));
}

TEST(ObjectPathTest, AliasesPointersAndMembersNameTheSameObject) {
  auto AST = parse(R"(
    #include <map>
    struct Holder { std::map<int, int> m; void g(); };
    void Holder::g() {
      auto &r = m; auto *p = &m; Holder *self = this;
      r.size(); p->size(); this->m.size(); self->m.size(); m.size();
    }
  )");
  std::vector<std::string> Paths;
  ObjectPathResolver Resolver(AST->getASTContext());
  for (const auto &Node :
       match(cxxMemberCallExpr(isExpansionInMainFile(), callee(cxxMethodDecl(hasName("size")))).bind("call"),
             AST->getASTContext())) {
    std::optional<ObjectPath> Path = Resolver.objectOfCall(Node.getNodeAs<CXXMemberCallExpr>("call"));
    if (!Path) {
      ADD_FAILURE() << "no path for a call";
      continue;
    }
    Paths.push_back(Path->spelling());
    EXPECT_TRUE(Path->isRootedAtThis()) << Path->spelling();
  }
  EXPECT_EQ(Paths, (std::vector<std::string>(5, "m")));
}

} // namespace

namespace {
TEST(DeferringCalleesTest, ClassifiesHandOversByLibraryAndName) {
  auto AST = parse(R"(
    #include <algorithm>
    #include <functional>
    #include <future>
    #include <thread>
    #include <vector>
    namespace folly { struct Executor { virtual ~Executor(); virtual void add(std::function<void()>); }; }
    struct CPUThreadPoolExecutor : folly::Executor { void add(std::function<void()>) override; };
    namespace tbb { struct task_group { template <typename F> void run(F &&) {} }; }
    namespace Qt { enum ConnectionType { DirectConnection, QueuedConnection }; }
    struct QObject {};
    struct QMetaObject { template <typename F> static bool invokeMethod(QObject *, F, Qt::ConnectionType) { return true; } };
    struct Pool { void enqueue(std::function<void()>); void setDoneCallback(std::function<void()>); };
    struct Widget { std::function<void()> OnClick; std::vector<std::function<void()>> Handlers; };
    void f(CPUThreadPoolExecutor &E, tbb::task_group &G, QObject *O, Pool &P, Widget &W, std::vector<int> &V) {
      E.add([] { return 1; });
      G.run([] { return 2; });
      QMetaObject::invokeMethod(O, [] { return 3; }, Qt::QueuedConnection);
      QMetaObject::invokeMethod(O, [] { return 4; }, Qt::DirectConnection);
      auto Later = std::async(std::launch::deferred, [] { return 5; });
      auto Now = std::async(std::launch::async, [] { return 6; });
      P.enqueue(std::bind([](int) { return 7; }, 0));
      auto Stored = [] { return 8; };
      P.enqueue(Stored);
      P.setDoneCallback([] { return 9; });
      W.OnClick = [] { return 10; };
      W.Handlers.push_back([] { return 11; });
      std::sort(V.begin(), V.end(), [](int A, int B) { return A < B + 12; });
      [] { return 13; }();
      std::thread([] { return 14; }).join();
    }
  )");
  ASSERT_TRUE(AST);
  DeferringCallees Deferring(DeferringCalleesOptions::defaults());
  auto Found = match(functionDecl(hasName("f"), isDefinition()).bind("f"), AST->getASTContext());
  ASSERT_EQ(Found.size(), 1u);
  const auto *F = Found[0].getNodeAs<FunctionDecl>("f");
  ParentMap Parents(F->getBody());
  std::map<int, std::string> Seen;
  for (const auto &Node : match(findAll(lambdaExpr().bind("l")), *F->getBody(), AST->getASTContext())) {
    const auto *Lambda = Node.getNodeAs<LambdaExpr>("l");
    // Each lambda's body names a distinct number.
    auto Numbers = match(findAll(integerLiteral().bind("n")), *Lambda->getBody(), AST->getASTContext());
    ASSERT_FALSE(Numbers.empty());
    int Id = static_cast<int>(Numbers.back().getNodeAs<IntegerLiteral>("n")->getValue().getZExtValue());
    std::optional<Deferral> D = Deferring.deferralOf(Lambda, Parents);
    Seen[Id] = !D ? "sync" : D->NewThread ? "thread" : "later";
  }
  EXPECT_EQ(Seen, (std::map<int, std::string>{{1, "thread"},
                                              {2, "thread"},
                                              {3, "later"},
                                              {4, "sync"},
                                              {5, "sync"},
                                              {6, "thread"},
                                              {7, "later"},
                                              {8, "later"},
                                              {9, "later"},
                                              {10, "later"},
                                              {11, "later"},
                                              {12, "sync"},
                                              {13, "sync"},
                                              {14, "thread"}}));
}
} // namespace

// docs/model-options.md shows every default list in full, as the code has it.
TEST(ModelOptionsDocTest, EveryDefaultListIsDocumentedInFull) {
  std::string Doc = test::readFile(MAPGUARD_SOURCE_DIR "/docs/model-options.md");
  ModelOptions Defaults = ModelOptions::defaults();
  unsigned Lists = 0;
  Defaults.forEachList([&](llvm::StringRef Name, std::string &Value) {
    ++Lists;
    EXPECT_NE(Doc.find("### `" + Name.str() + "`\n"), std::string::npos) << Name.str();
    EXPECT_NE(Doc.find("```\n" + Value + "\n```\n"), std::string::npos) << Name.str() << ": " << Value;
  });
  EXPECT_EQ(Lists, 18u);
}

TEST(ModelOptionsTest, APlusAddsToTheDefaultAndAnythingElseReplacesIt) {
  EXPECT_EQ(ModelOptions::addingToDefault("+app::SpinLock", "std::mutex"), "std::mutex;app::SpinLock");
  EXPECT_EQ(ModelOptions::addingToDefault("  + app::A;app::B; ", "std::mutex"), "std::mutex;app::A;app::B");
  EXPECT_EQ(ModelOptions::addingToDefault("+", "std::mutex"), "std::mutex");
  EXPECT_EQ(ModelOptions::addingToDefault("app::SpinLock", "std::mutex"), "app::SpinLock");
  EXPECT_EQ(ModelOptions::addingToDefault("", "std::mutex"), "");
}
