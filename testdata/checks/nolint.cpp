// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: Rules: all
// NOLINT comments work exactly as in clang-tidy, in the plugin and in the CLI.
#include <map>

bool dead(int Value);

void suppressed(std::map<int, int> &Counts) {
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) Counts.erase(Key); // NOLINT(mapguard-erase-during-iteration)
  for (auto &[Key, Value] : Counts)
    // NOLINTNEXTLINE(mapguard-*)
    if (dead(Value)) Counts.erase(Key);
  // NOLINTBEGIN(mapguard-erase-during-iteration)
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) Counts.erase(Key);
  // NOLINTEND(mapguard-erase-during-iteration)
}

void notSuppressed(std::map<int, int> &Counts) {
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) Counts.erase(Key); // NOLINT(bugprone-use-after-move) expect: mapguard-erase-during-iteration {{'erase' on 'Counts'}} note@-1: {{iteration over 'Counts'}}
}
