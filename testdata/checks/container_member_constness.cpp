// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-unguarded-access,mapguard-write-under-shared-lock
// CHECK-OPTIONS: mapguard-write-under-shared-lock.Rules: '+shared-write-consistent-guard'
// A project container's member function is a read or a change by its body when the body is in
// sight, not by its declared constness: a non-const getter that changes nothing (bustub's
// Watermark::GetWatermark()) is a read. Default rules, and write-under-shared-lock's
// shared-write-consistent-guard (off by default since abseil's first run).
#include <map>
#include <mutex>
#include <shared_mutex>

// A project container: it keeps its elements in a map and adds and removes them.
class Watermark {
public:
  void addTxn(int ReadTs) { ++Reads[ReadTs]; }
  void removeTxn(int ReadTs) { Reads.erase(ReadTs); }
  // Not const, but changes nothing.
  int getWatermark() { return Reads.empty() ? Commit : Reads.begin()->first; }
  // Not const, and changes the container.
  int popOldest() {
    int Ts = Reads.begin()->first;
    Reads.erase(Reads.begin());
    return Ts;
  }
  int Commit = 0;

private:
  std::map<int, int> Reads;
};

class TxnManager {
public:
  void begin(int Ts) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Running.addTxn(Ts);
  }
  void commit(int Ts) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Running.removeTxn(Ts);
  }
  // Negative: a read under the reader lock is no write under it.
  int lowest() {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Running.getWatermark();
  }
  // Its twin: a change under the reader lock.
  int evictOldest() {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Running.popOldest(); // expect: mapguard-write-under-shared-lock {{'popOldest' on 'Running' while 'Mu' is held only shared}} note@-1: {{'Mu' is locked shared here}}
  }
  // A read without the lock every other function takes: a read, so the read rule's message.
  int lowestUnlocked() {
    return Running.getWatermark(); // expect: mapguard-unguarded-access {{'getWatermark' on 'Running' in a function that does not lock 'Mu', which guards it at every access in the other functions}} note@-18: {{'Running' is accessed with 'Mu' held here}}
  }

private:
  std::shared_mutex Mu;
  Watermark Running;
};
