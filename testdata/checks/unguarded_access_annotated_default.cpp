// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: mapguard-unguarded-access.Rules: '+breaks-consistent-guard,+call-breaks-consistent-guard'
// mapguard-unguarded-access with the consistent-guard rules on a container annotated GUARDED_BY (LevelDB's
// port::Mutex and MutexLock, spelled with the raw clang attributes as its thread_annotations.h
// does): the annotation names the guard, and an access that breaks the protocol every other
// function keeps is the consistent-guard rules' finding (enabled here), as for an inferred guard.
// (The annotation alone, `annotated-guard`, stays off by default: see the check's doc.) A project
// built with GCC never has the annotation checked by the compiler.
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

class __attribute__((capability("mutex"))) Mutex {
public:
  void Lock() __attribute__((acquire_capability())) { mu_.lock(); }
  void Unlock() __attribute__((release_capability())) { mu_.unlock(); }

private:
  std::mutex mu_;
};

class __attribute__((scoped_lockable)) MutexLock {
public:
  explicit MutexLock(Mutex *mu) __attribute__((acquire_capability(mu))) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() __attribute__((release_capability())) { mu_->Unlock(); }

private:
  Mutex *const mu_;
};

class FileSystem {
public:
  void Create(const std::string &Name) {
    MutexLock L(&mutex_);
    files_[Name] = 0;
  }
  bool Exists(const std::string &Name) {
    MutexLock L(&mutex_);
    return files_.count(Name) != 0;
  }
  // The guard deleted from a writer.
  void Remove(const std::string &Name) {
    files_.erase(Name); // expect: mapguard-unguarded-access {{'erase' on 'files_' without holding 'mutex_', which guards it at every access in the other functions (2 of 3 accesses, named by GUARDED_BY); lock 'mutex_' here}} note@-8: {{'files_' is accessed with 'mutex_' held here}}
  }

private:
  Mutex mutex_;
  std::map<std::string, size_t> files_ __attribute__((guarded_by(mutex_)));
};

class Index {
public:
  void Add(const std::string &Name) {
    MutexLock L(&mutex_);
    names_[Name] = names_.size();
  }
  // The lock taken one statement late in a reader.
  size_t Position(const std::string &Name) {
    auto It = names_.find(Name); // expect: mapguard-unguarded-access {{'find' on 'names_' without holding 'mutex_', which this function holds at its other accesses and which guards it at every access in the other functions}} note@-4: {{'names_' is accessed with 'mutex_' held here}}
    MutexLock L(&mutex_);
    return It == names_.end() ? 0 : It->second;
  }

private:
  Mutex mutex_;
  std::map<std::string, size_t> names_ __attribute__((guarded_by(mutex_)));
};

// Twins: a function that requires the lock on entry (its callers hold it), one the annotation
// exempts from the analysis, and a container locked at only some of its accesses elsewhere (no
// protocol to break: annotated-guard's alone, off by default).
class Queue {
public:
  void Push(int V) {
    MutexLock L(&mutex_);
    PushLocked(V);
  }
  void PushLocked(int V) __attribute__((requires_capability(mutex_))) { pending_.push_back(V); }
  size_t DebugSize() __attribute__((no_thread_safety_analysis)) { return pending_.size() + pending_.back(); }

  void Note(const std::string &S) {
    MutexLock L(&mutex_);
    log_[S] = 1;
  }
  void Reset() { log_.clear(); }
  void Forget(const std::string &S) { log_.erase(S); }

private:
  Mutex mutex_;
  std::deque<int> pending_ __attribute__((guarded_by(mutex_)));
  std::map<std::string, int> log_ __attribute__((guarded_by(mutex_)));
};

// A callback run on another thread (muduo's chat server, its connection callback's guard
// deleted): deferred-capture's consistent rule, on by default, for a GUARDED_BY container too.
class ChatServer {
public:
  void start(std::thread &Worker) {
    Worker = std::thread([this] {
      connections_.erase("idle"); // expect: mapguard-deferred-capture {{'erase' on 'connections_' in a callback that runs on another thread, without holding 'mutex_', which guards 'connections_' (held at every access in the other functions, 2 of 3 accesses, named by GUARDED_BY); lock 'mutex_' inside the callback}} note@-1: {{the callback is handed over here}} note@+5: {{'connections_' is accessed with 'mutex_' held here}}
    });
  }
  void join(const std::string &Name) {
    MutexLock L(&mutex_);
    connections_[Name] = 1;
  }
  void broadcast() {
    MutexLock L(&mutex_);
    for (auto &Connection : connections_)
      Connection.second += 1;
  }

private:
  Mutex mutex_;
  std::map<std::string, int> connections_ __attribute__((guarded_by(mutex_)));
};
