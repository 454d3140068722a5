// RUN-ARGS: -std=c++20 -Wno-unused
// CHECK-OPTIONS: mapguard-manual-lock.ReportThrowingCalls: false, mapguard-manual-lock.Rules: '+exit-while-locked'
// ReportThrowingCalls: false, for code that reports errors without exceptions (RocksDB's Status):
// only ways out that skip the unlock are reported.
#include <map>
#include <mutex>

std::mutex Mu;
std::map<int, int> Table;

void mayThrow(int Key) {
  Mu.lock();
  Table.at(Key) = 1;
  Mu.unlock();
}

void earlyReturn(int Key) {
  Mu.lock(); // expect: mapguard-manual-lock {{a 'return' leaves the function}} note@+2: {{still locked when this 'return' leaves}}
  if (Key < 0)
    return;
  Mu.unlock();
}
