// Unit tests of the lock-state engine on real headers: what is held at each `at("label")` probe,
// and which manual locks are held on some paths into a join only.
#include "analysis/LockState.h"
#include "analysis/FunctionCfg.h"

#include "clang/AST/ASTContext.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Tooling/Tooling.h"
#include "gtest/gtest.h"
#include <map>

using namespace clang;
using namespace clang::ast_matchers;
using namespace mapguard;

namespace {

const char *const Prelude = R"(
  #include <mutex>
  #include <shared_mutex>
  #include <pthread.h>
  #include "absl/synchronization/mutex.h"
  void at(const char *);
  bool cond();
)";

/// The locks held at each probe ("mu", "mu(shared)", sorted, comma-separated) and the mutexes the
/// engine reported as held on some paths only.
struct Probes : LockStateHandler {
  std::map<std::string, std::string> Held;
  std::vector<std::string> PartlyHeld;
  std::map<std::string, std::string> Released; // probe -> mutexes released on some path before it

  void element(const CFGElement &Element, const LockSet &Before) override {
    auto S = Element.getAs<CFGStmt>();
    const auto *Call = S ? dyn_cast<CallExpr>(S->getStmt()) : nullptr;
    const FunctionDecl *Callee = Call ? Call->getDirectCallee() : nullptr;
    if (!Callee || Callee->getName() != "at")
      return;
    const auto *Label = dyn_cast<StringLiteral>(Call->getArg(0)->IgnoreParenImpCasts());
    std::vector<std::string> Names;
    for (const HeldLock &Lock : Before.held())
      Names.push_back(Lock.Mutex.spelling() + (Lock.AlsoNamed ? "=" + Lock.AlsoNamed->spelling() : "") +
                      (Lock.Kind == LockKind::Shared ? "(shared)" : ""));
    llvm::sort(Names);
    Held[Label->getString().str()] = llvm::join(Names, ",");
  }
  void heldOnSomePaths(const HeldLock &Lock, const CFGBlock &, const CFGBlock &) override {
    PartlyHeld.push_back(Lock.Mutex.spelling());
  }
};

Probes analyse(const std::string &Body, const std::string &Function = "f") {
  std::vector<std::string> Args = {"-std=c++20", "-resource-dir=" MAPGUARD_CLANG_RESOURCE_DIR};
  std::unique_ptr<ASTUnit> AST =
      tooling::buildASTFromCodeWithArgs(std::string(Prelude) + Body, Args, "input.cpp", "clang++");
  Probes Result;
  if (!AST || AST->getDiagnostics().hasErrorOccurred()) {
    ADD_FAILURE() << "does not compile:\n" << Body;
    return Result;
  }
  ASTContext &Ctx = AST->getASTContext();
  auto Found = match(functionDecl(hasName(Function), isDefinition()).bind("f"), Ctx);
  if (Found.size() != 1) {
    ADD_FAILURE() << "no single definition of " << Function;
    return Result;
  }
  FunctionCfg Cfg(Found[0].getNodeAs<FunctionDecl>("f"), Ctx);
  EXPECT_TRUE(Cfg.valid());
  LockModel Model(LockModelOptions::defaults());
  ObjectPathResolver Resolver(Ctx);
  LockStateAnalysis Analysis(Model, Resolver);
  if (Cfg.valid())
    Analysis.run(Cfg, LockSet(), Result);
  return Result;
}

TEST(LockStateTest, GuardHoldsUntilItsScopeEnds) {
  Probes P = analyse(R"(
    std::mutex mu;
    void f() {
      at("before");
      {
        std::lock_guard<std::mutex> lock(mu);
        at("inside");
      }
      at("after");
    })");
  EXPECT_EQ(P.Held["before"], "");
  EXPECT_EQ(P.Held["inside"], "mu");
  EXPECT_EQ(P.Held["after"], "");
  EXPECT_TRUE(P.PartlyHeld.empty());
}

TEST(LockStateTest, UniqueLockDeferUnlockRelock) {
  Probes P = analyse(R"(
    std::mutex mu;
    void f() {
      std::unique_lock<std::mutex> lock(mu, std::defer_lock);
      at("deferred");
      lock.lock();
      at("locked");
      lock.unlock();
      at("unlocked");
      lock.lock();
      at("relocked");
    })");
  EXPECT_EQ(P.Held["deferred"], "");
  EXPECT_EQ(P.Held["locked"], "mu");
  EXPECT_EQ(P.Held["unlocked"], "");
  EXPECT_EQ(P.Held["relocked"], "mu");
}

TEST(LockStateTest, JoinsIntersect) {
  Probes P = analyse(R"(
    std::mutex a, b;
    void f() {
      a.lock();
      if (cond()) { b.lock(); at("then"); } else { at("else"); }
      at("joined");
      b.unlock();
      a.unlock();
    })");
  EXPECT_EQ(P.Held["then"], "a,b");
  EXPECT_EQ(P.Held["else"], "a");
  EXPECT_EQ(P.Held["joined"], "a");
  // `b` is held on the then-path into the join only: a lock/unlock mismatch.
  EXPECT_EQ(P.PartlyHeld, std::vector<std::string>{"b"});
}

TEST(LockStateTest, CatchHandlersRunWithTheLocksHeldWhereTheirTryBegan) {
  // The CFG has no exception edges: the handlers are analysed from the state at the try's start,
  // without the guards the try body took (the unwinding released them).
  Probes P = analyse(R"(
    std::mutex a, b;
    void f() {
      std::lock_guard<std::mutex> outer(a);
      try {
        std::lock_guard<std::mutex> inner(b);
        at("try");
      } catch (...) {
        at("handler");
        try { at("nested try"); } catch (...) { at("nested handler"); }
      }
      at("after");
    })");
  ASSERT_EQ(P.Held.count("nested handler"), 1u);
  EXPECT_EQ(P.Held["try"], "a,b");
  EXPECT_EQ(P.Held["handler"], "a");
  EXPECT_EQ(P.Held["nested try"], "a");
  EXPECT_EQ(P.Held["nested handler"], "a");
  EXPECT_EQ(P.Held["after"], "a");
  EXPECT_TRUE(P.PartlyHeld.empty());
  Probes Unlocked = analyse(R"(
    std::mutex a;
    void f() {
      try { std::lock_guard<std::mutex> inner(a); at("try"); } catch (...) { at("handler"); }
    })");
  // An exception no handler catches propagates: that edge is not followed (which calls throw is
  // read from their code by the checks), so the hand-taken lock is not held on "some paths".
  Probes Typed = analyse(R"(
    std::mutex a;
    void g();
    void f() {
      a.lock();
      try { g(); } catch (const std::exception &) { at("typed handler"); a.unlock(); return; }
      a.unlock();
    })");
  EXPECT_EQ(Typed.Held["typed handler"], "a");
  EXPECT_TRUE(Typed.PartlyHeld.empty());
  EXPECT_EQ(Unlocked.Held["try"], "a");
  ASSERT_EQ(Unlocked.Held.count("handler"), 1u);
  EXPECT_EQ(Unlocked.Held["handler"], "");
}

TEST(LockStateTest, LoopsReachAFixpoint) {
  Probes P = analyse(R"(
    std::mutex mu, other;
    void f() {
      std::lock_guard<std::mutex> guard(mu);
      for (int i = 0; i < 3; ++i) {
        at("loop head");
        other.lock();
        at("body");
        other.unlock();
      }
      while (cond()) {
        std::lock_guard<std::mutex> inner(other);
        at("while body");
      }
      at("after loops");
    })");
  EXPECT_EQ(P.Held["loop head"], "mu");
  EXPECT_EQ(P.Held["body"], "mu,other");
  EXPECT_EQ(P.Held["while body"], "mu,other");
  EXPECT_EQ(P.Held["after loops"], "mu");
  EXPECT_TRUE(P.PartlyHeld.empty());
}

TEST(LockStateTest, EarlyReturnSkipsManualUnlock) {
  Probes P = analyse(R"(
    std::mutex mu;
    void f() {
      mu.lock();
      if (cond())
        return;
      at("locked");
      mu.unlock();
      at("unlocked");
    })");
  EXPECT_EQ(P.Held["locked"], "mu");
  EXPECT_EQ(P.Held["unlocked"], "");
  EXPECT_EQ(P.PartlyHeld, std::vector<std::string>{"mu"});
}

TEST(LockStateTest, GuardsAreNotMismatchesAtEarlyReturns) {
  Probes P = analyse(R"(
    std::mutex mu;
    void f() {
      std::lock_guard<std::mutex> lock(mu);
      if (cond())
        return;
      at("locked");
    })");
  EXPECT_EQ(P.Held["locked"], "mu");
  EXPECT_TRUE(P.PartlyHeld.empty());
}

TEST(LockStateTest, TryLockHoldsOnlyWhereChecked) {
  Probes P = analyse(R"(
    std::mutex mu;
    pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
    void f() {
      if (mu.try_lock()) {
        at("tried");
        mu.unlock();
      }
      at("after try");
      std::unique_lock<std::mutex> lock(mu, std::try_to_lock);
      at("unchecked");
      if (!lock)
        return;
      at("owned");
      lock.unlock();
      if (pthread_mutex_trylock(&pm) == 0) {
        at("pthread tried");
        pthread_mutex_unlock(&pm);
      }
      if (pthread_mutex_trylock(&pm)) {
        at("pthread failed");
        return;
      }
      at("pthread held");
      pthread_mutex_unlock(&pm);
    })");
  EXPECT_EQ(P.Held["tried"], "mu");
  EXPECT_EQ(P.Held["after try"], "");
  EXPECT_EQ(P.Held["unchecked"], "");
  EXPECT_EQ(P.Held["owned"], "mu");
  EXPECT_EQ(P.Held["pthread tried"], "pm");
  EXPECT_EQ(P.Held["pthread failed"], "");
  EXPECT_EQ(P.Held["pthread held"], "pm");
}

TEST(LockStateTest, SharedScopedAndAdoptedLocks) {
  Probes P = analyse(R"(
    std::shared_mutex rw;
    std::mutex a, b;
    void f() {
      {
        std::shared_lock<std::shared_mutex> reader(rw);
        at("shared");
      }
      {
        std::unique_lock writer(rw);
        at("exclusive");
      }
      {
        std::scoped_lock both(a, b);
        at("scoped");
      }
      std::lock(a, b);
      std::lock_guard<std::mutex> ga(a, std::adopt_lock);
      std::lock_guard<std::mutex> gb(b, std::adopt_lock);
      at("adopted");
      rw.lock_shared();
      at("lock_shared");
      rw.unlock_shared();
    })");
  EXPECT_EQ(P.Held["shared"], "rw(shared)");
  EXPECT_EQ(P.Held["exclusive"], "rw");
  EXPECT_EQ(P.Held["scoped"], "a,b");
  EXPECT_EQ(P.Held["adopted"], "a,b");
  EXPECT_EQ(P.Held["lock_shared"], "a,b,rw(shared)");
  EXPECT_TRUE(P.PartlyHeld.empty());
}

TEST(LockStateTest, MembersThroughThisAndAliases) {
  Probes P = analyse(R"(
    struct Cache {
      std::mutex mu_;
      absl::Mutex amu_;
      void f(Cache &other) {
        std::mutex &alias = mu_;
        {
          std::lock_guard<std::mutex> lock(alias);
          at("member");
        }
        {
          absl::MutexLock lock(&amu_);
          at("absl");
        }
        {
          absl::ReaderMutexLock lock(&other.amu_);
          at("other reader");
        }
        amu_.ReaderLock();
        at("reader");
        amu_.ReaderUnlock();
        std::unique_lock<std::mutex> moved(mu_);
        moved.release();
        at("released guard");
        mu_.unlock();
      }
    };)");
  EXPECT_EQ(P.Held["member"], "mu_");
  EXPECT_EQ(P.Held["absl"], "amu_");
  EXPECT_EQ(P.Held["other reader"], "other.amu_(shared)");
  EXPECT_EQ(P.Held["reader"], "amu_(shared)");
  EXPECT_EQ(P.Held["released guard"], "mu_");
}

} // namespace

namespace {

TEST(LockStateTest, GuardKeepsAMutexUnlockedAndRelockedByHand) {
  // leveldb's pattern: a guard for the whole function, the mutex dropped around slow work.
  Probes P = analyse(R"(
    std::mutex mu;
    void f() {
      {
        std::lock_guard<std::mutex> guard(mu);
        mu.unlock();
        at("dropped");
        mu.lock();
        at("retaken");
      }
      at("after scope");
    })");
  EXPECT_EQ(P.Held["dropped"], "");
  EXPECT_EQ(P.Held["retaken"], "mu");
  EXPECT_EQ(P.Held["after scope"], "");
  EXPECT_TRUE(P.PartlyHeld.empty());
}

TEST(LockStateTest, AnnotatedLockFunctionsAndTypes) {
  Probes P = analyse(R"(
    struct __attribute__((capability("mutex"))) Mu {
      void acquire() __attribute__((acquire_capability()));
      void release() __attribute__((release_capability()));
    };
    struct __attribute__((scoped_lockable)) Guard {
      explicit Guard(Mu &m) __attribute__((acquire_capability(m)));
      ~Guard() __attribute__((release_capability()));
    };
    struct Db {
      Mu mu_;
      void lockAll() __attribute__((acquire_capability(mu_)));
      void unlockAll() __attribute__((release_capability(mu_)));
      void f(Db &other) {
        {
          Guard g(mu_);
          at("guard");
        }
        mu_.acquire();
        at("method");
        mu_.release();
        other.lockAll();
        at("wrapper");
        other.unlockAll();
        at("end");
      }
    };)");
  EXPECT_EQ(P.Held["guard"], "mu_");
  EXPECT_EQ(P.Held["method"], "mu_");
  EXPECT_EQ(P.Held["wrapper"], "other.mu_");
  EXPECT_EQ(P.Held["end"], "");
}

} // namespace

TEST(LockStateTest, AnObjectThatIsItsOwnLockIsHeldAsItsMemberToo) {
  // A lock class that keeps iterable state beside its mutex (gflags' and abseil's flag registries):
  // a lock of the object is a lock of the member its lock functions lock, under either name; a
  // wrapper that keeps only flags is held by its own name alone.
  Probes P = analyse(R"(
    #include <map>
    struct Registry {
      void lock() { mu.lock(); }
      void unlock() { mu.unlock(); }
      std::map<int, int> flags;
      std::mutex mu;
    };
    struct Wrapper {
      void lock() { mu.lock(); }
      void unlock() { mu.unlock(); }
      bool owned = false;
      std::mutex mu;
    };
    void f(Registry *r, Wrapper &w) {
      {
        std::lock_guard<Registry> g(*r);
        at("guard");
      }
      r->lock();
      at("by hand");
      r->mu.unlock();
      at("member unlocked");
      std::lock_guard<Wrapper> g(w);
      at("wrapper");
    }
  )");
  EXPECT_EQ(P.Held["guard"], "*r=r->mu");
  EXPECT_EQ(P.Held["by hand"], "*r=r->mu");
  EXPECT_EQ(P.Held["member unlocked"], "");
  EXPECT_EQ(P.Held["wrapper"], "w");
}
