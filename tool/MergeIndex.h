#ifndef MAPGUARD_TOOL_MERGEINDEX_H
#define MAPGUARD_TOOL_MERGEINDEX_H

namespace mapguard {

/// `mapguard merge-index <a.index> ... -o <out>`: the indexes of the parts of a sharded run
/// (`mapguard index --shard K/N`) merged into one; returns the documented exit code.
int mergeIndexMain(int Argc, const char **Argv);

} // namespace mapguard

#endif
