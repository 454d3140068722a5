// RUN-ARGS: -std=c++17 -Wno-unused
// mapguard-scope-exit-after-unlock with abseil's absl::Cleanup (libabsl-dev) and the Microsoft
// GSL's gsl::finally (libmsgsl-dev). Objects die in reverse order of declaration.
#include <absl/cleanup/cleanup.h>
#include <gsl/util>
#include <map>
#include <mutex>
#include <string>

class Registry {
public:
  void add(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items[Id] = "new";
  }
  // Declared before the guard: runs after the guard has unlocked. The fix moves it after the guard.
  void replace(int Id) {
    absl::Cleanup Done = [this, Id] { Items.erase(Id); }; // expect: mapguard-scope-exit-after-unlock {{'erase' on 'Items' in a scope-exit callback that runs without 'Mu': 'Done' is declared before 'Lock', so it runs after 'Lock' releases 'Mu'; declare it after 'Lock' or lock 'Mu' inside the callback}} note: {{'Done' is declared here}} note@+1: {{'Lock' locks 'Mu' here and releases it before 'Done' runs}}
    std::lock_guard<std::mutex> Lock(Mu);
    Items[Id] = "replaced";
  }
  void replaceGsl(int Id) {
    auto Done = gsl::finally([this, Id] { Items.erase(Id); }); // expect: mapguard-scope-exit-after-unlock {{'Done' is declared before 'Lock', so it runs after 'Lock' releases 'Mu'}} note: {{'Done' is declared here}} note@+1: {{'Lock' locks 'Mu' here and releases it before 'Done' runs}}
    std::lock_guard<std::mutex> Lock(Mu);
    Items[Id] = "replaced";
  }
  // A call that may throw between the two: moving the declaration would skip the cleanup when it
  // throws, so the fix locks inside the callback instead.
  void replaceAfterCheck(int Id) {
    auto Done = gsl::finally([this, Id] { Items.erase(Id); }); // expect: mapguard-scope-exit-after-unlock {{'Done' is declared before 'Lock'}} note: {{'Done' is declared here}} note@+2: {{'Lock' locks 'Mu' here}}
    validate(Id);
    std::lock_guard<std::mutex> Lock(Mu);
    Items[Id] = "checked";
  }
  // Released by hand before the scope ends: no fix (an exception before unlock() would run the
  // callback with the lock held).
  void publish(int Id) {
    std::unique_lock<std::mutex> Lock(Mu);
    auto Done = gsl::finally([this, Id] { Items.erase(Id); }); // expect: mapguard-scope-exit-after-unlock {{'Mu' is released before 'Done' runs at the end of its scope; lock 'Mu' inside the callback}} note: {{'Done' is declared here}} note@+2: {{'Mu' is released here}}
    Items[Id] = "published";
    Lock.unlock();
  }
  // Not reported: declared after the guard, it runs first, with the lock held.
  void rename(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    absl::Cleanup Done = [this, Id] { Items.erase(Id); };
    Items[Id] = "renamed";
  }
  // Not reported: the callback takes the lock itself.
  void retire(int Id) {
    auto Done = gsl::finally([this, Id] {
      std::lock_guard<std::mutex> Lock(Mu);
      Items.erase(Id);
    });
    std::lock_guard<std::mutex> Lock(Mu);
    Items[Id] = "retired";
  }

private:
  void validate(int Id);
  std::mutex Mu;
  std::map<int, std::string> Items;
};
