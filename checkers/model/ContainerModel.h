// Which types are containers (maps and sets, sequences, queues and stacks, a project's own), and
// what each call does to one. Shared by every check: the erase check asks "does this invalidate
// the loop's iterator?", the lock checks "read or write?".
#ifndef MAPGUARD_CHECKERS_MODEL_CONTAINERMODEL_H
#define MAPGUARD_CHECKERS_MODEL_CONTAINERMODEL_H

#include "model/NameList.h"
#include "utils/AstUtil.h"
#include "clang/AST/Expr.h"
#include "clang/AST/Type.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>
#include <vector>

namespace mapguard {

enum class ContainerLibrary { Std, Absl, Other };

/// How elements are found and kept: by key (maps, sets), by position (vectors, deques, lists), or
/// only at the ends (queues and stacks, which have no iterators).
enum class ContainerShape { Associative, Sequence, Adaptor };

struct ContainerTraits {
  std::string Name;               // the configured name that matched, e.g. "std::unordered_map"
  bool InsertInvalidates = false; // an insert may rehash, rebalance or reallocate and invalidate every iterator
  bool UniqueKeys = true;         // false for multi- containers: erase(key) removes several elements
  ContainerLibrary Library = ContainerLibrary::Other;
  ContainerShape Shape = ContainerShape::Associative;
  /// References to elements survive an insert at either end (node-based containers; a deque's
  /// push_back and push_front), though iterators may not.
  bool ReferencesSurviveEndInsert = false;
  /// "rehash", "rebalance" or "reallocate": what an invalidating insert does to the container.
  llvm::StringRef invalidatingInsertVerb() const;
};

class ContainerModel {
public:
  static constexpr llvm::StringLiteral DefaultContainers =
      "std::map;std::multimap;std::set;std::multiset;std::unordered_map;std::unordered_set;"
      "std::unordered_multimap;std::unordered_multiset;absl::flat_hash_map;absl::flat_hash_set;"
      "absl::node_hash_map;absl::node_hash_set;absl::btree_map;absl::btree_set;"
      "absl::btree_multimap;absl::btree_multiset;boost::unordered_map;boost::unordered_set;"
      "boost::unordered_flat_map;boost::unordered_flat_set;boost::unordered_node_map;boost::unordered_node_set;"
      "boost::container::flat_map;boost::container::flat_set;boost::container::flat_multimap;"
      "boost::container::flat_multiset;boost::multi_index::multi_index_container;"
      "QMap;QHash;QSet;QMultiMap;QMultiHash;tbb::concurrent_unordered_map;"
      // Sequences and adaptors.
      "std::vector;std::deque;std::list;std::forward_list;std::queue;std::stack;std::priority_queue;"
      "boost::container::vector;boost::container::small_vector;boost::container::static_vector;"
      "boost::container::stable_vector;boost::container::deque;boost::container::list;"
      "boost::container::slist;boost::circular_buffer;absl::InlinedVector;"
      "QList;QVector;QQueue;QStack;QLinkedList";
  static constexpr llvm::StringLiteral DefaultInsertInvalidating =
      "std::unordered_map;std::unordered_set;std::unordered_multimap;std::unordered_multiset;"
      "absl::flat_hash_map;absl::flat_hash_set;absl::node_hash_map;absl::node_hash_set;"
      "absl::btree_map;absl::btree_set;absl::btree_multimap;absl::btree_multiset;"
      "boost::unordered_map;boost::unordered_set;boost::unordered_flat_map;boost::unordered_flat_set;"
      "boost::unordered_node_map;boost::unordered_node_set;boost::container::flat_map;"
      "boost::container::flat_set;boost::container::flat_multimap;boost::container::flat_multiset;"
      "QHash;QSet;QMultiHash;"
      // Sequences that reallocate or move elements on insert.
      "std::vector;std::deque;boost::container::vector;boost::container::small_vector;"
      "boost::container::static_vector;boost::container::deque;boost::circular_buffer;"
      "absl::InlinedVector;QList;QVector;QQueue;QStack";

  ContainerModel(llvm::StringRef Containers, llvm::StringRef InsertInvalidating);

  /// The container a (possibly reference, alias, or derived-class) type is, if any.
  std::optional<ContainerTraits> classify(clang::QualType T) const;
  /// Whether \p T is a container of another kind: a class (not an associative container of the
  /// model) with `begin()` and `end()` member functions, own or inherited: `std::vector`,
  /// `std::list`, `std::deque`, `std::string`, Qt's and abseil's sequences, a project's own; not
  /// one that synchronizes itself (a mutex, a lock or an atomic member, its own or a base's: a
  /// concurrent container).
  bool isOtherContainer(clang::QualType T) const;
  /// Whether the class of \p T synchronizes itself: a mutex, a lock or an atomic member, its own or
  /// a base's (a concurrent container, also one the Containers list names: tbb::concurrent_unordered_map).
  static bool synchronizesItself(clang::QualType T);
  /// Whether \p T is a project's own container, read from its declaration: a class of the project
  /// (not declared in a system header), not a container of the model, with begin() and end() and a member function
  /// that adds or removes elements (insert, erase, push..., pop..., emplace..., add..., remove...,
  /// clear, append), and with no mutex or atomic member (a class that locks inside is a
  /// synchronized container, safe to use without its user's lock).
  bool isOwnContainer(clang::QualType T) const;
  /// The container a handle type leads to: a raw pointer's pointee, a smart pointer's element
  /// (`std::unique_ptr`, `std::shared_ptr`, `boost::shared_ptr`, `QSharedPointer`,
  /// `QScopedPointer`), or a reference's referent, when that is a container of the model or a
  /// project's own; null otherwise.
  clang::QualType containerBehindHandle(clang::QualType T) const;
  /// The container an expression designates (or points to), before any implicit derived-to-base
  /// cast: members inherited from an implementation base (absl's raw_hash_set) are called
  /// through one.
  std::optional<ContainerTraits> classifyObject(const clang::Expr *E, bool ViaPointer = false) const;

private:
  std::optional<ContainerTraits> classifyRecord(const clang::NamedDecl *D, unsigned Depth) const;
  static bool isIterableRecord(const clang::CXXRecordDecl *Record, unsigned Depth);
  /// Whether a field keeps elements: a container of the model, or nodes of a linked structure.
  bool holdsElements(const clang::CXXRecordDecl *Record) const;

  NameList Containers;
  NameList InsertInvalidating;
};

/// What a call does to the container it operates on.
enum class ContainerOpKind {
  Read,    // find, at, count, contains, size, begin, ... and const operator[]
  Insert,  // insert, emplace, try_emplace, insert_or_assign, operator[], merge into this
  Rehash,  // rehash, reserve
  Erase,   // erase, clear, extract, remove, take; the source of a merge
  Replace, // assignment, swap
};

struct ContainerOp {
  ContainerOpKind Kind;
  const clang::Expr *Object; // the container operand, or a pointer to it when ViaPointer
  std::string Name;          // "erase", "operator[]", "operator=", "swap", "merge", ...
  bool ViaPointer = false;   // `p->erase(k)`: Object is the pointer
};

/// The container operations a call performs (none, one, or two for swap/merge), by the method or
/// function it calls. The caller decides which operands matter.
llvm::SmallVector<ContainerOp, 2> containerOpsOf(const clang::CallExpr *Call, const ContainerModel &Model);

bool isMutation(ContainerOpKind Kind);

/// What a member function of that name does to a container of the model, if it changes it
/// (`erase`, `push_back`, `reserve`, `swap`, ...).
std::optional<ContainerOpKind> containerOpKindOf(llvm::StringRef MemberName);

} // namespace mapguard

#endif
