// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: Rules: all
// mapguard-erase-during-iteration on paths that cannot run. A loop left through a flag the erase's
// path sets itself (`existing = &x; break;` ... `if (existing) break;`, ZeroTier's
// Topology::addWorld) never reaches the erased iterator again; a flag whose value the path does not
// know still may. A called function's change under `if (param)` does not run when the loop passes
// a literal that rules the branch out (ZeroTier's onNetworkUpdate calling request(..., 0, ...)).
#include <unordered_map>
#include <utility>
#include <vector>

struct World {
  unsigned long Id;
  std::vector<unsigned long> Roots;
};

struct Topology {
  std::vector<std::pair<unsigned long, unsigned long>> Seeds;
  std::vector<World> Moons;
  World *pick(const World &W);

  // Negative: every path from the erase sets Existing to an address, and `if (Existing) break;`
  // leaves the outer loop before `++M`.
  bool adopt(const World &W) {
    World *Existing = nullptr;
    for (auto M = Seeds.begin(); M != Seeds.end(); ++M) {
      if (M->first == W.Id) {
        for (auto R = W.Roots.begin(); R != W.Roots.end(); ++R) {
          if (*R == M->second) {
            Seeds.erase(M);
            Moons.push_back(W);
            Existing = &Moons.back();
            break;
          }
        }
        if (Existing)
          break;
      }
    }
    return Existing != nullptr;
  }

  // Negative: a bool flag, tested negated.
  void dropFirst(unsigned long Id) {
    bool Searching = true;
    for (auto M = Seeds.begin(); M != Seeds.end(); ++M) {
      for (int Pass = 0; Pass < 2; ++Pass) {
        if (M->first == Id + Pass) {
          Seeds.erase(M);
          Searching = false;
          break;
        }
      }
      if (!Searching)
        break;
    }
  }

  // Positive twin: the flag comes from a call; it may be null, and `++M` then uses the erased M.
  bool adoptPicked(const World &W) {
    World *Existing = nullptr;
    for (auto M = Seeds.begin(); M != Seeds.end(); ++M) {
      if (M->first == W.Id) {
        for (auto R = W.Roots.begin(); R != W.Roots.end(); ++R) {
          if (*R == M->second) {
            Seeds.erase(M); // expect: mapguard-erase-during-iteration {{'M' is used after 'Seeds.erase(M)' invalidated it}} note@-4: {{'M' is used here after the erase}}
            Existing = pick(W);
            break;
          }
        }
        if (Existing)
          break;
      }
    }
    return Existing != nullptr;
  }

  // Positive twin: the flag is set, then cleared again before the test.
  void dropFirstReset(unsigned long Id) {
    bool Searching = true;
    for (auto M = Seeds.begin(); M != Seeds.end(); ++M) {
      for (int Pass = 0; Pass < 2; ++Pass) {
        if (M->first == Id + Pass) {
          Seeds.erase(M); // expect: mapguard-erase-during-iteration {{'M' is used after 'Seeds.erase(M)' invalidated it}} note@-3: {{'M' is used here after the erase}}
          Searching = false;
          Searching = Id > 7;
          break;
        }
      }
      if (!Searching)
        break;
    }
  }
};

struct Controller {
  std::unordered_map<unsigned long, int> Status;

  void request(unsigned long Id, unsigned long PacketId) {
    if (PacketId) {
      int &Seen = Status[Id];
      ++Seen;
    }
  }

  // Negative: request() changes Status only when PacketId is not 0, and the loop passes 0.
  void onUpdate() {
    for (auto I = Status.begin(); I != Status.end(); ++I)
      if (I->second > 0)
        request(I->first, 0);
  }

  // Positive twin: a packet id, so request() may insert into Status and rehash it.
  void onPacket(unsigned long PacketId) {
    for (auto I = Status.begin(); I != Status.end(); ++I)
      if (I->second > 0)
        request(I->first + 1, 1); // expect: mapguard-erase-during-iteration {{call to 'request', which calls 'operator[]' on 'Status', inside a loop over 'Status' with 'I'}} note@-2: {{iteration over 'Status' with 'I' starts here}} note@-16: {{'operator[]' changes 'Status' here}} note@-2: {{'I' is used here after the change}}
  }
};
