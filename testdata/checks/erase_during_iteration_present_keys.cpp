// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: Rules: all
// `m[k]` for a key the container holds (the key of the element a loop visits, or of the one an
// iterator points to) finds that element and inserts nothing: no rehash, no iterator invalidated.
// Seen through a local copy of the key, and through the parameter of a function or lambda the key
// is passed to (DuckDB's dependency walk and left-join pushdown). Any other key may insert.
#include <unordered_map>
#include <utility>
#include <vector>

using Groups = std::unordered_map<int, std::vector<int>>;

void visitThroughLocalCopy(Groups &G, std::vector<int> &Out) {
  for (auto &Entry : G) {
    auto Key = Entry.first;
    for (int V : G[Key])
      Out.push_back(V);
  }
}

void visitAnotherKey(Groups &G) {
  for (auto &Entry : G) {
    auto Key = Entry.first + 1;
    G[Key].push_back(0); // expect: mapguard-erase-during-iteration {{'operator[]' on 'G' inside a range-for over it may rehash 'G'}} note@-2: {{iteration over 'G' starts here}}
  }
}

void visitThroughReassignedLocal(Groups &G) {
  for (auto &Entry : G) {
    int Key = Entry.first;
    Key = -Key;
    G[Key].clear(); // expect: mapguard-erase-during-iteration {{'operator[]' on 'G' inside a range-for over it may rehash 'G'}} note@-3: {{iteration over 'G' starts here}}
  }
}

void visitThroughLambda(Groups &G, std::vector<std::vector<int>> &Out) {
  auto Take = [&](int Index) { return std::move(G[Index]); };
  for (auto &Group : G)
    Out.push_back(Take(Group.first));
}

void visitThroughLambdaAnotherKey(Groups &G, std::vector<std::vector<int>> &Out) {
  auto Take = [&](int Index) { return std::move(G[Index + 1]); };
  for (auto &Group : G)
    Out.push_back(Take(Group.first)); // expect: mapguard-erase-during-iteration {{call to 'Take', which calls 'operator[]' on 'G', inside a range-for over it may rehash 'G'}} note@-1: {{iteration over 'G' starts here}} note@-2: {{'operator[]' changes 'G' here}}
}

std::vector<int> takeGroup(Groups &G, int Index) { return std::move(G[Index]); }

void visitThroughFunction(Groups &G, std::vector<std::vector<int>> &Out) {
  for (auto &[Key, Values] : G)
    Out.push_back(takeGroup(G, Key));
}

void heldIteratorItsOwnKey(Groups &G) {
  auto Take = [&](int Index) { return std::move(G[Index]); };
  auto Begin = G.begin();
  std::vector<int> First = Take(Begin->first);
  G.erase(Begin);
}

void heldIteratorAnotherKey(Groups &G, int Other) {
  auto Take = [&](int Index) { return std::move(G[Index]); };
  auto Begin = G.begin();
  std::vector<int> First = Take(Other); // expect: mapguard-erase-during-iteration {{call to 'Take', which calls 'operator[]' on 'G', may rehash 'G' and invalidate 'Begin'}} note@-1: {{'Begin' is taken here}} note@+1: {{'Begin' is used here after the insert}}
  G.erase(Begin);
}
