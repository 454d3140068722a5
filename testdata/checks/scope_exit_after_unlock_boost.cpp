// RUN-ARGS: -std=c++17 -Wno-unused
// NO-LIBCXX: Debian's Boost 1.74 headers do not compile against libc++ 22 (std::unary_function)
// mapguard-scope-exit-after-unlock with BOOST_SCOPE_EXIT_ALL (libboost-dev): the guard object is
// declared by the macro, so the fix locks inside the callback rather than moving the macro.
#include <boost/scope_exit.hpp>
#include <map>
#include <mutex>

class Ledger {
public:
  void credit(int Account, int Amount) {
    std::lock_guard<std::mutex> Lock(Mu);
    Balances[Account] += Amount;
  }
  void transfer(int From, int To, int Amount) {
    BOOST_SCOPE_EXIT_ALL(this, From) { Balances.erase(From); }; // expect: mapguard-scope-exit-after-unlock {{'erase' on 'Balances' in a scope-exit callback that runs without 'Mu': the scope-exit object is declared before 'Lock', so it runs after 'Lock' releases 'Mu'}} note: {{the scope-exit object is declared here}} note@+1: {{'Lock' locks 'Mu' here and releases it before the scope-exit object runs}}
    std::lock_guard<std::mutex> Lock(Mu);
    Balances[To] += Amount;
  }
  // Not reported: declared after the guard.
  void close(int Account) {
    std::lock_guard<std::mutex> Lock(Mu);
    BOOST_SCOPE_EXIT_ALL(this, Account) { Balances.erase(Account); };
    Balances[Account] = 0;
  }

private:
  std::mutex Mu;
  std::map<int, int> Balances;
};
