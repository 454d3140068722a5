// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: Mutexes: '+app::OpaqueMutex', LockFunctions: '+acquire', UnlockFunctions: '+release', mapguard-manual-lock.Rules: '+exit-while-locked'
// A list option that starts with '+' adds to the default list: the project's mutex (its bodies in
// another unit, its functions named as no default names them) is a mutex, and std::mutex still is.
#include <map>
#include <mutex>

namespace app {
class OpaqueMutex { // defined in another unit
public:
  void acquire();
  void release();
};
} // namespace app

app::OpaqueMutex Opaque;
std::mutex Standard;
std::map<int, int> Table;

int readOpaque(int Key) {
  Opaque.acquire(); // expect: mapguard-manual-lock {{'Opaque' is locked by hand and a 'return' leaves the function with it still locked}} note@+3: {{'Opaque' is still locked when this 'return' leaves}}
  auto It = Table.find(Key);
  if (It == Table.end())
    return -1;
  int Value = It->second;
  Opaque.release();
  return Value;
}

int readOpaqueReleasingFirst(int Key) {
  Opaque.acquire();
  auto It = Table.find(Key);
  int Value = It == Table.end() ? -1 : It->second;
  Opaque.release();
  return Value;
}

int readStandard(int Key) {
  Standard.lock(); // expect: mapguard-manual-lock {{'Standard' is locked by hand and a 'return' leaves the function with it still locked}} note@+3: {{'Standard' is still locked when this 'return' leaves}}
  auto It = Table.find(Key);
  if (It == Table.end())
    return -1;
  int Value = It->second;
  Standard.unlock();
  return Value;
}

int readStandardReleasingFirst(int Key) {
  Standard.lock();
  auto It = Table.find(Key);
  int Value = It == Table.end() ? -1 : It->second;
  Standard.unlock();
  return Value;
}
