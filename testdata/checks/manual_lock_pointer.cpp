// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: Rules: all
// A mutex reached through a pointer member and locked by hand (`mu_->lock()`): a return that skips
// its unlock() leaves it locked, as it does for a mutex held by value.
#include <map>
#include <mutex>

class Table {
public:
  explicit Table(std::mutex *Mu) : Mu(Mu) {}
  int take(int Key) {
    Mu->lock(); // expect: mapguard-manual-lock {{'*Mu' is locked by hand and a 'return' leaves the function with it still locked}} note@+3: {{'*Mu' is still locked when this 'return' leaves}}
    auto It = Rows.find(Key);
    if (It == Rows.end())
      return -1;
    int Value = It->second;
    Rows.erase(It);
    Mu->unlock();
    return Value;
  }
  int takeUnlocking(int Key) {
    Mu->lock();
    auto It = Rows.find(Key);
    if (It == Rows.end()) {
      Mu->unlock();
      return -1;
    }
    int Value = It->second;
    Rows.erase(It);
    Mu->unlock();
    return Value;
  }

private:
  std::mutex *Mu;
  std::map<int, int> Rows;
};
