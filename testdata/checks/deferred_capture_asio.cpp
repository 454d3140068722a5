// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: Rules: all
// mapguard-deferred-capture with Debian's standalone asio (libasio-dev): timers' async_wait,
// asio::post to an io_context and to an asio::thread_pool.
#include <asio.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

class ExpiringCache {
public:
  explicit ExpiringCache(asio::io_context &Io) : Io(Io), Timer(Io) {}
  void put(int Key, std::string Value) {
    std::lock_guard<std::mutex> Lock(Mu);
    Entries[Key] = std::move(Value);
  }
  // The timer's handler runs after expire() has returned and released the lock.
  void expire(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Timer.expires_after(std::chrono::seconds(1));
    Timer.async_wait([this, Key](const asio::error_code &) { Entries.erase(Key); }); // expect: mapguard-deferred-capture {{'erase' on 'Entries' in a callback that runs later, after the lock on 'Mu' held where it is scheduled is released; 'Mu' guards 'Entries' (held at 2 of 4 accesses): lock 'Mu' inside the callback}} note: {{the callback is handed over here}} note@-2: {{'Mu' is locked here, and released before the callback runs}} note@-6: {{'Entries' is accessed with 'Mu' held here}}
  }
  // Not reported: the handler takes the lock.
  void expireLocked(int Key) {
    asio::post(Io, [this, Key] {
      std::lock_guard<std::mutex> Lock(Mu);
      Entries.erase(Key);
    });
  }
  void drop(int Key) {
    asio::post(Io, [this, Key] { Entries.erase(Key); }); // expect: mapguard-deferred-capture {{'erase' on 'Entries' in a callback that runs later, without holding 'Mu'}} note: {{the callback is handed over here}} note@-16: {{'Entries' is accessed with 'Mu' held here}}
  }

private:
  asio::io_context &Io;
  asio::steady_timer Timer;
  std::mutex Mu;
  std::map<int, std::string> Entries;
};

// A local map posted to an io_context that outlives the function.
void schedule(asio::io_context &Io) {
  std::map<int, int> Pending;
  asio::post(Io, [&Pending] { Pending.clear(); }); // expect: mapguard-deferred-capture {{'Pending' is captured by reference into a callback that may run after 'Pending' is destroyed (it is posted, scheduled or registered and may run after this scope ends); capture it by move}} note: {{the callback is handed over here}} note@-1: {{'Pending' is declared here}}
}
// Not reported: the io_context is local, declared after the map, and run before the scope ends.
void runHere() {
  std::map<int, int> Pending;
  asio::io_context Io;
  asio::post(Io, [&Pending] { Pending.clear(); });
  Io.run();
}
// A timer that dies with the function still calls its handler (with operation_aborted) later.
void timerOnStack(asio::io_context &Io) {
  std::map<int, int> Pending;
  asio::steady_timer Timer(Io, std::chrono::seconds(1));
  Timer.async_wait([&Pending](const asio::error_code &) { Pending.clear(); }); // expect: mapguard-deferred-capture {{'Pending' is captured by reference into a callback that may run after 'Pending' is destroyed}} note: {{the callback is handed over here}} note@-2: {{'Pending' is declared here}}
}

// A thread pool runs the handler on another thread, at the same time as the caller.
void tally() {
  std::map<int, int> Counts;
  asio::thread_pool Pool(2);
  asio::post(Pool, [&Counts] { Counts[1]++; }); // expect: mapguard-deferred-capture {{'Counts' is used in a callback that runs on another thread while this function still uses it}} note: {{the thread is started here}} note@+1: {{'Counts' is used here before the thread is waited for}}
  Counts[2]++;
  Pool.join();
}
// Not reported: joined before the map is used again.
void tallyJoined() {
  std::map<int, int> Counts;
  asio::thread_pool Pool(2);
  asio::post(Pool, [&Counts] { Counts[1]++; });
  Pool.join();
  Counts[2]++;
}
