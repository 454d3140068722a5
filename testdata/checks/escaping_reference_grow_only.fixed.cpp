// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-escaping-reference
// CHECK-OPTIONS: Rules: all
// mapguard-escaping-reference on caches that only grow: a value stored only where a lookup of the
// same key, under the same lock, found the key absent is an insert, and a node-based container
// keeps every reference to its other elements (issue 25, class 4). The positive twins overwrite a
// value a reader may still hold.
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

std::string compute(int Key);
void log(const std::string &Text);

class GrowOnlyCache {
public:
  void print(int Key) {
    std::unique_lock<std::mutex> Lock(Mu);
    auto It = Values.find(Key);
    if (It == Values.end())
      Values[Key] = compute(Key);
    const std::string &Value = Values[Key];
    Lock.unlock();
    log(Value);
  }
  void warm(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    if (Values.count(Key))
      return;
    Values[Key] = compute(Key);
  }

private:
  std::mutex Mu;
  std::unordered_map<int, std::string> Values;
};

// Positive twin: 'refresh' overwrites the value whatever is there.
class RefreshedCache {
public:
  void print(int Key) {
    std::unique_lock<std::mutex> Lock(Mu);
    auto It = Values.find(Key);
    if (It == Values.end())
      Values[Key] = compute(Key);
    const std::string Value = Values[Key];
    Lock.unlock();
    log(Value); // expect: mapguard-escaping-reference {{'Value' refers to an element of 'Values' and is used after 'Mu' was released}} note@-2: {{'Value' is bound here, with 'Mu' held}} note@-1: {{'Mu' is released here}} note@+4: {{'operator[]' on 'Values' here can overwrite it}}
  }
  void refresh(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Values[Key] = compute(Key);
  }

private:
  std::mutex Mu;
  std::map<int, std::string> Values;
};

// Positive twin: the lookup that found the key absent was made under an earlier lock.
class TwoSectionCache {
public:
  void print(int Key) {
    std::unique_lock<std::mutex> Lock(Mu);
    const std::string Value = Values[Key];
    Lock.unlock();
    log(Value); // expect: mapguard-escaping-reference {{'Value' refers to an element of 'Values' and is used after 'Mu' was released}} note@-2: {{'Value' is bound here, with 'Mu' held}} note@-1: {{'Mu' is released here}} note@+10: {{'operator[]' on 'Values' here can overwrite it}}
  }
  void warm(int Key) {
    bool Known;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Known = Values.count(Key) != 0;
    }
    std::lock_guard<std::mutex> Lock(Mu);
    if (!Known)
      Values[Key] = compute(Key);
  }

private:
  std::mutex Mu;
  std::unordered_map<int, std::string> Values;
};
