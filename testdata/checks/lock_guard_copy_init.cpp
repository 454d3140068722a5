// RUN-ARGS: -std=c++14 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// A guard copy-initialised from a temporary (`auto Lock = std::unique_lock<std::mutex>(Mu);`): a
// functional cast around the construction that locks, and before C++17 a move from that temporary
// into the variable. The lock is the variable's, released at its scope's end.
#include <map>
#include <mutex>

class Routes {
public:
  void add(int Id, int Port) {
    auto Lock = std::unique_lock<std::mutex>(Mu);
    Table[Id] = Port;
  }
  void remove(int Id) {
    auto Lock = std::unique_lock<std::mutex>(Mu);
    Table.erase(Id);
  }
  int lookup(int Id) {
    auto Lock = std::unique_lock<std::mutex>(Mu);
    auto It = Table.find(Id);
    return It == Table.end() ? -1 : It->second;
  }
  void reset() { Table.clear(); } // expect: mapguard-unguarded-access {{'clear' on 'Table' without holding 'Mu', which guards it at every access in the other functions (4 of 5 accesses)}} note@-11: {{'Table' is accessed with 'Mu' held here}}
  void resetLocked() {
    auto Lock = std::unique_lock<std::mutex>(Mu);
    Table.clear();
  }

private:
  std::mutex Mu;
  std::map<int, int> Table;
};
