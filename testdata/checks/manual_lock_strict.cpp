// RUN-ARGS: -std=c++20 -Wno-unused
// CHECK-OPTIONS: mapguard-manual-lock.StrictExceptions: true, mapguard-manual-lock.Rules: all
// StrictExceptions: true, for code that must stay correct when allocation fails: any call that is
// not noexcept may throw while a lock is held by hand, std::bad_alloc included.
#include <map>
#include <mutex>

std::mutex Mu;
std::map<int, int> Table;

void onlyAllocates(int Key) {
  Mu.lock(); // expect: mapguard-manual-lock {{an exception from a call before the unlock leaves the function}} note@+1: {{this call may throw while 'Mu' is locked}}
  Table[Key] = 1;
  Mu.unlock();
}

// Negative twin: nothing between lock and unlock may throw.
int count() {
  Mu.lock();
  int N = static_cast<int>(Table.size());
  Mu.unlock();
  return N;
}
