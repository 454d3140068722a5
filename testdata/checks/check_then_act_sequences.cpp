// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-check-then-act
// CHECK-OPTIONS: Rules: all
// mapguard-check-then-act on queues and sequences (issue 23, item 4): an element taken or read
// (`front`, `pop_front`, `top`, `pop`) on the strength of an `empty()` test made under an earlier
// lock: two consumers may both see one element and both take it. Negative twins: the test made
// again under the lock that covers the take, one critical section, and a queue nothing removes from.
#include <deque>
#include <mutex>
#include <queue>

class Jobs {
public:
  void push(int Job) {
    std::lock_guard<std::mutex> Lock(Mu);
    Queue.push_back(Job);
  }
  int takeChecked() {
    bool Empty;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Empty = Queue.empty();
    }
    if (Empty)
      return -1;
    std::lock_guard<std::mutex> Lock(Mu);
    int Job = Queue.front(); // expect: mapguard-check-then-act {{'front' on 'Queue' acts on a 'empty' check made under an earlier lock of 'Mu', released in between}} note@-5: {{the check is here}} note@-4: {{'Mu' is released here}}
    Queue.pop_front();
    return Job;
  }
  int takeRechecked() {
    {
      std::lock_guard<std::mutex> Lock(Mu);
      if (Queue.empty())
        return -1;
    }
    std::lock_guard<std::mutex> Lock(Mu);
    if (Queue.empty())
      return -1;
    int Job = Queue.front();
    Queue.pop_front();
    return Job;
  }
  int takeOnce() {
    std::lock_guard<std::mutex> Lock(Mu);
    if (Queue.empty())
      return -1;
    int Job = Queue.front();
    Queue.pop_front();
    return Job;
  }

private:
  std::mutex Mu;
  std::deque<int> Queue;
};

// Twin: nothing removes from this queue; once it has an element, it keeps it.
class Log {
public:
  void add(int Line) {
    std::lock_guard<std::mutex> Lock(Mu);
    Lines.push(Line);
  }
  int first() {
    bool Empty;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Empty = Lines.empty();
    }
    if (Empty)
      return 0;
    std::lock_guard<std::mutex> Lock(Mu);
    return Lines.front();
  }

private:
  std::mutex Mu;
  std::queue<int> Lines;
};
