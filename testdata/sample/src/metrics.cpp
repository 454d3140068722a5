#include <map>
#include <string>

// No findings here: read-only iteration and an erase after which the loop ends.
int total(const std::map<std::string, int> &Counters) {
  int Sum = 0;
  for (const auto &[Name, Value] : Counters)
    Sum += Value;
  return Sum;
}

void dropFirstNegative(std::map<std::string, int> &Counters) {
  for (auto &[Name, Value] : Counters) {
    if (Value < 0) {
      Counters.erase(Name);
      break;
    }
  }
}
