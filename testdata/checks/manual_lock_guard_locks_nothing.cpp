// RUN-ARGS: -std=c++17 -Wno-unused -Wno-vexing-parse -pthread
// CHECKS: -*,mapguard-manual-lock,mapguard-unguarded-access
// CHECK-OPTIONS: Rules: all
// mapguard-manual-lock, rule guard-locks-nothing: a guard written without a name locks nothing.
// `std::unique_lock<std::mutex>(mu_);` declares a new, default-constructed guard named `mu_` that
// hides the mutex; `std::lock_guard<std::mutex>{mu_};` and `std::lock_guard<std::mutex>(this->mu_);`
// are temporaries, unlocked again at the end of the statement. The accesses after them run without
// the lock, as mapguard-unguarded-access reports. The fix names the guard. Negative twins: named
// guards, and a parenthesised declarator that hides no mutex.
#include <map>
#include <mutex>
#include <string>

class Registry {
public:
  void add(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items[Key] = 1;
  }
  bool has(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Items.count(Key) != 0;
  }
  void drop(int Key) {
    std::unique_lock<std::mutex>(Mu); // expect: mapguard-manual-lock {{this declares a new guard named 'Mu' that locks nothing and hides the mutex 'Mu': the code after it runs without the lock; name the guard: 'std::unique_lock<std::mutex> lock(Mu)'}}
    Items.erase(Key); // expect: mapguard-unguarded-access {{'erase' on 'Items' without holding 'Mu'}} note@-8: {{'Items' is accessed with 'Mu' held here}}
  }
  void reset() {
    std::lock_guard<std::mutex>{Mu}; // expect: mapguard-manual-lock {{this guard of 'Mu' is a temporary, destroyed at the end of the statement: the code after it runs without the lock; name the guard: 'std::lock_guard<std::mutex> lock{Mu}'}}
    Items.clear(); // expect: mapguard-unguarded-access {{'clear' on 'Items' without holding 'Mu'}} note@-12: {{'Items' is accessed with 'Mu' held here}}
  }
  void bump(int Key) {
    std::lock_guard<std::mutex>(this->Mu); // expect: mapguard-manual-lock {{this guard of 'this->Mu' is a temporary, destroyed at the end of the statement}}
    ++Items[Key]; // expect: mapguard-unguarded-access {{'operator[]' on 'Items' without holding 'Mu'}} note@-16: {{'Items' is accessed with 'Mu' held here}}
  }
  // Twin: a named guard.
  void set(int Key, int Value) {
    std::unique_lock<std::mutex> Lock(Mu);
    Items[Key] = Value;
  }

private:
  std::mutex Mu;
  std::map<int, int> Items;
};

// Twin: a parenthesised declarator that hides no mutex.
void local() {
  std::unique_lock<std::mutex>(Pending);
  Pending = std::unique_lock<std::mutex>();
}
