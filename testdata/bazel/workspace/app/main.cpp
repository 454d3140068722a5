#include "registry/registry.h"

int main() {
  Registry R;
  R.add("web", 80);
  R.prune();
}
