"""mapguard as a Bazel aspect: one action per C/C++ source, flags from the C++ toolchain.

    bazel build //... --aspects @mapguard_bazel//:mapguard.bzl%mapguard_aspect --output_groups=mapguard

writes one SARIF log per source (bazel-bin/<package>/<target>.mapguard/<source>.sarif);
mapguard_report merges the logs of its deps' sources into one. Bazel's action cache and remote
execution then give caching and distribution: a source is analysed again only when it, a header
it may include, the flags, the .clang-tidy files, the facts it reads or mapguard itself change.

The project index in two stages, as a sharded run does it (docs/project-index.md): a facts action
per source (`mapguard index`: what its functions lock, hand over, throw; its containers' accesses),
one merge per target of its own sources' facts and its dependencies' merged index
(<target>.mapguard.index), and each source's analysis reads its target's merged index: a lock
class, a thread pool or a throwing function defined in a dependency is known where it is used.
The facts of targets that depend on this one are not: a caller in a dependent target does not
count (the CLI over compile_commands.json sees every unit).
"""

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

MapguardInfo = provider(
    doc = "The SARIF logs of a target's sources and of its dependencies' sources, and its merged project index.",
    fields = {
        "logs": "depset of File",
        "index": "depset of File: the target's merged project index (empty without C or C++ sources under it)",
    },
)

_C_EXTENSIONS = ["c"]
_CXX_EXTENSIONS = ["cc", "cpp", "cxx", "c++", "C"]

# Flags GCC's toolchain configuration passes that clang's driver rejects.
_GCC_ONLY_FLAGS = ["-fno-canonical-system-headers"]

def _sources(ctx):
    sources = []
    for src in getattr(ctx.rule.attr, "srcs", []):
        for file in src.files.to_list():
            if file.extension in _C_EXTENSIONS + _CXX_EXTENSIONS:
                sources.append(file)
    return sources

def _compile_flags(ctx, target, cc_toolchain, source):
    features = cc_common.configure_features(
        ctx = ctx,
        cc_toolchain = cc_toolchain,
        requested_features = ctx.features,
        unsupported_features = ctx.disabled_features,
    )
    compilation = target[CcInfo].compilation_context
    is_c = source.extension in _C_EXTENSIONS
    user_flags = ctx.fragments.cpp.copts + (ctx.fragments.cpp.conlyopts if is_c else ctx.fragments.cpp.cxxopts)
    user_flags = user_flags + getattr(ctx.rule.attr, "copts", [])
    variables = cc_common.create_compile_variables(
        feature_configuration = features,
        cc_toolchain = cc_toolchain,
        user_compile_flags = user_flags,
        include_directories = compilation.includes,
        quote_include_directories = compilation.quote_includes,
        system_include_directories = compilation.system_includes,
        preprocessor_defines = depset(transitive = [compilation.defines, compilation.local_defines]),
    )
    flags = cc_common.get_memory_inefficient_command_line(
        feature_configuration = features,
        action_name = ACTION_NAMES.c_compile if is_c else ACTION_NAMES.cpp_compile,
        variables = variables,
    )
    return [flag for flag in flags if flag not in _GCC_ONLY_FLAGS]

def _index_path(target, source, extension):
    return "{}.mapguard/{}.{}".format(target.label.name, source.short_path.replace("../", "external/"), extension)

def _mapguard_aspect_impl(target, ctx):
    deps = [dep[MapguardInfo] for dep in getattr(ctx.rule.attr, "deps", []) if MapguardInfo in dep]
    transitive = [info.logs for info in deps]
    dep_indexes = depset(transitive = [info.index for info in deps])
    logs = []
    index = dep_indexes
    sources = _sources(ctx) if CcInfo in target else []
    if sources:
        cc_toolchain = find_cpp_toolchain(ctx)
        compilation = target[CcInfo].compilation_context
        config = ctx.files._config
        inputs = depset(config, transitive = [compilation.headers, cc_toolchain.all_files])
        flags = {source: _compile_flags(ctx, target, cc_toolchain, source) for source in sources}

        # Stage 1: each source's facts.
        facts = []
        for source in sources:
            fact = ctx.actions.declare_file(_index_path(target, source, "index"))
            args = ctx.actions.args()
            args.add_all(["facts", ctx.executable._mapguard, fact, source, "--"])
            args.add_all(flags[source])
            ctx.actions.run(
                executable = ctx.executable._runner,
                arguments = [args],
                inputs = depset([source], transitive = [inputs]),
                tools = [ctx.executable._mapguard],
                outputs = [fact],
                mnemonic = "MapguardFacts",
                progress_message = "indexing {} for mapguard".format(source.short_path),
            )
            facts.append(fact)

        # Stage 2: the target's facts and its dependencies' merged index, in one file.
        merged = ctx.actions.declare_file(target.label.name + ".mapguard.index")
        args = ctx.actions.args()
        args.add("merge-index")
        args.add_all(facts)
        args.add_all(dep_indexes)
        args.add("-o", merged)
        ctx.actions.run(
            executable = ctx.executable._mapguard,
            arguments = [args],
            inputs = depset(facts, transitive = [dep_indexes]),
            outputs = [merged],
            mnemonic = "MapguardMergeIndex",
            progress_message = "merging mapguard's facts for {}".format(target.label),
        )
        index = depset([merged])

        # Stage 3: each source analysed with them.
        for source in sources:
            log = ctx.actions.declare_file(_index_path(target, source, "sarif"))
            args = ctx.actions.args()
            args.add_all(["analyse", ctx.executable._mapguard, log, merged, source, "--"])
            args.add_all(flags[source])
            ctx.actions.run(
                executable = ctx.executable._runner,
                arguments = [args],
                inputs = depset([source, merged], transitive = [inputs]),
                tools = [ctx.executable._mapguard],
                outputs = [log],
                mnemonic = "Mapguard",
                progress_message = "mapguard {}".format(source.short_path),
            )
            logs.append(log)
    all_logs = depset(logs, transitive = transitive)
    return [MapguardInfo(logs = all_logs, index = index), OutputGroupInfo(mapguard = all_logs)]

mapguard_aspect = aspect(
    implementation = _mapguard_aspect_impl,
    attr_aspects = ["deps"],
    fragments = ["cpp"],
    attrs = {
        "_mapguard": attr.label(default = Label("@mapguard_tool//:mapguard"), executable = True, cfg = "exec", allow_single_file = True),
        "_runner": attr.label(default = Label("//:run_mapguard.sh"), executable = True, cfg = "exec", allow_single_file = True),
        "_config": attr.label(default = Label("//:config")),
        "_cc_toolchain": attr.label(default = Label("@bazel_tools//tools/cpp:current_cc_toolchain")),
    },
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
)

def _mapguard_report_impl(ctx):
    logs = depset(transitive = [dep[MapguardInfo].logs for dep in ctx.attr.deps])
    if not logs.to_list():
        fail("no C or C++ source under {}: nothing for mapguard to analyse".format(ctx.attr.deps))
    report = ctx.actions.declare_file(ctx.label.name + ".sarif")
    args = ctx.actions.args()
    args.add("merge-sarif")
    args.add_all(logs)
    args.add("--source-root=" + ctx.attr.source_root)
    args.add("-o", report)
    ctx.actions.run(
        executable = ctx.executable._mapguard,
        arguments = [args],
        inputs = logs,
        outputs = [report],
        mnemonic = "MapguardMerge",
        progress_message = "merging mapguard's logs into {}".format(report.short_path),
    )
    return [DefaultInfo(files = depset([report]))]

mapguard_report = rule(
    implementation = _mapguard_report_impl,
    doc = "One SARIF log for the sources of deps and of everything they depend on.",
    attrs = {
        "deps": attr.label_list(aspects = [mapguard_aspect]),
        "source_root": attr.string(
            default = "",
            doc = "%SRCROOT% of the merged log; empty leaves it to the reader (code scanning, SARIF viewers).",
        ),
        "_mapguard": attr.label(default = Label("@mapguard_tool//:mapguard"), executable = True, cfg = "exec", allow_single_file = True),
    },
)
