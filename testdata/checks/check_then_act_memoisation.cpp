// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-check-then-act
// CHECK-OPTIONS: Rules: all
// mapguard-check-then-act on memoisation (issue 25, class 3): a value stored where a check under an
// earlier lock (or in another member function) found the key absent, computed from the key alone,
// is the same value whichever thread stores it: the act is idempotent and not reported. Reported
// twins: the stored value counts (`Next++`), is another argument of the caller, is a new object
// whose identity callers keep, or came from the read (a lost update).
#include <map>
#include <memory>
#include <mutex>
#include <string>

std::string compute(const std::string &Name);
struct Session {};

class PathCache {
public:
  bool get(const std::string &Key, std::string *Out) const {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Values.find(Key);
    if (It == Values.end())
      return false;
    *Out = It->second;
    return true;
  }
  void set(const std::string &Key, const std::string &Value) {
    std::lock_guard<std::mutex> Lock(Mu);
    Values[Key] = Value;
  }

private:
  mutable std::mutex Mu;
  std::map<std::string, std::string> Values;
};

PathCache Cache;
int Next = 0;

std::string resolve(const std::string &Dir, const std::string &File) {
  std::string Key = Dir + "/" + File;
  std::string Path;
  if (Cache.get(Key, &Path))
    return Path;
  Path = compute(Key);
  Cache.set(Key, Path);
  return Path;
}

// Twin: the value counts.
void number(const std::string &Name) {
  std::string Found;
  if (!Cache.get(Name, &Found))
    Cache.set(Name, std::to_string(Next++)); // expect: mapguard-check-then-act {{'set' locks 'Mu' and changes 'Values' on the strength of 'get', which released 'Mu' when it returned}} note@-1: {{the check is here}} note@-25: {{'set' changes 'Values' here}}
}

// Twin: the value came from the read.
void append(const std::string &Name) {
  std::string Found;
  if (Cache.get(Name, &Found))
    Cache.set(Name, Found + "!"); // expect: mapguard-check-then-act {{'set' locks 'Mu' and changes 'Values' on the strength of 'get'}} note@-1: {{the check is here}} note@-32: {{'set' changes 'Values' here}}
}

class Sessions {
public:
  // Within one function: a miss under one lock, the computed value stored under another.
  std::string label(int Id) {
    {
      std::lock_guard<std::mutex> Lock(Mu);
      auto It = Labels.find(Id);
      if (It != Labels.end())
        return It->second;
    }
    std::string Label = compute(std::to_string(Id));
    std::lock_guard<std::mutex> Lock(Mu);
    Labels[Id] = Label;
    return Label;
  }
  // Twin: a new object per caller; two threads that both miss hand out different sessions.
  std::shared_ptr<Session> open(int Id) {
    {
      std::lock_guard<std::mutex> Lock(Mu);
      auto It = Open.find(Id);
      if (It != Open.end())
        return It->second;
    }
    auto Fresh = std::make_shared<Session>();
    std::lock_guard<std::mutex> Lock(Mu);
    Open[Id] = Fresh; // expect: mapguard-check-then-act {{'operator[]' on 'Open' acts on a 'find' check made under an earlier lock of 'Mu', released in between}} note@-6: {{the check is here}} note@-3: {{'Mu' is released here}}
    return Fresh;
  }
  // Twin: the caller's own value; the first caller believes its value is in.
  void put(int Id, const std::string &Label) {
    {
      std::lock_guard<std::mutex> Lock(Mu);
      if (Labels.count(Id) != 0)
        return;
    }
    std::lock_guard<std::mutex> Lock(Mu);
    Labels[Id] = Label; // expect: mapguard-check-then-act {{'operator[]' on 'Labels' acts on a 'count' check made under an earlier lock of 'Mu', released in between}} note@-4: {{the check is here}} note@-2: {{'Mu' is released here}}
  }

private:
  std::mutex Mu;
  std::map<int, std::string> Labels;
  std::map<int, std::shared_ptr<Session>> Open;
};
