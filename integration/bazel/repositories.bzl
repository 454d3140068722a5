"""The mapguard executable as a repository, so Bazel tracks it as an input of every action."""

def _mapguard_tool_impl(rctx):
    path = rctx.os.environ.get("MAPGUARD", "") or rctx.which("mapguard")
    if not path:
        fail("mapguard was not found on PATH: install it (see mapguard's README) or set MAPGUARD=/path/to/mapguard")
    rctx.symlink(path, "mapguard")
    rctx.file("BUILD.bazel", 'exports_files(["mapguard"], visibility = ["//visibility:public"])\n')

mapguard_tool = repository_rule(
    implementation = _mapguard_tool_impl,
    environ = ["MAPGUARD", "PATH"],
    local = True,
    doc = "Links the installed mapguard (or $MAPGUARD) into an external repository.",
)
