#include "model/ContainerModel.h"

#include "utils/AstUtil.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace clang;

namespace mapguard {
namespace {
// Base classes are searched this deep (class SessionMap : public std::unordered_map<...>).
constexpr unsigned MaxBaseDepth = 4;

std::optional<ContainerOpKind> memberOpKind(StringRef Name) {
  // Arrays, not StringSwitch::Cases: its initializer-list form is new in LLVM 20.
  static constexpr StringRef Erase[] = {
      "erase",      "unsafe_erase", "clear",     "extract",  "remove",   "take",        "removeIf",   "pop_back",
      "pop_front",  "pop",          "remove_if", "unique",   "removeAt", "removeAll",   "removeOne",  "removeFirst",
      "removeLast", "takeAt",       "takeFirst", "takeLast", "dequeue",  "erase_after", "pop_back_n", "pop_front_n"};
  static constexpr StringRef Insert[] = {
      "insert",       "emplace",       "emplace_hint", "try_emplace",   "insert_or_assign", "insert_range",
      "insertMulti",  "unite",         "operator[]",   "merge",         "push_back",        "push_front",
      "emplace_back", "emplace_front", "push",         "append",        "prepend",          "enqueue",
      "append_range", "prepend_range", "insert_after", "emplace_after", "splice",           "splice_after"};
  static constexpr StringRef Rehash[] = {"rehash", "reserve", "squeeze", "shrink_to_fit"};
  static constexpr StringRef Replace[] = {"swap", "operator=", "assign", "resize", "assign_range"};
  if (llvm::is_contained(Erase, Name))
    return ContainerOpKind::Erase;
  if (llvm::is_contained(Insert, Name))
    return ContainerOpKind::Insert;
  if (llvm::is_contained(Rehash, Name))
    return ContainerOpKind::Rehash;
  if (llvm::is_contained(Replace, Name))
    return ContainerOpKind::Replace;
  return std::nullopt;
}
/// The shape of a configured container, by the library name it matched (others are associative).
ContainerShape shapeOf(StringRef Name) {
  static constexpr StringRef Adaptors[] = {"std::queue", "std::stack", "std::priority_queue"};
  static constexpr StringRef Sequences[] = {"std::vector",
                                            "std::deque",
                                            "std::list",
                                            "std::forward_list",
                                            "boost::container::vector",
                                            "boost::container::small_vector",
                                            "boost::container::static_vector",
                                            "boost::container::stable_vector",
                                            "boost::container::deque",
                                            "boost::container::list",
                                            "boost::container::slist",
                                            "boost::circular_buffer",
                                            "absl::InlinedVector",
                                            "QList",
                                            "QVector",
                                            "QQueue",
                                            "QStack",
                                            "QLinkedList"};
  if (llvm::is_contained(Adaptors, Name))
    return ContainerShape::Adaptor;
  return llvm::is_contained(Sequences, Name) ? ContainerShape::Sequence : ContainerShape::Associative;
}

/// Containers whose elements live in nodes (or, for a deque, blocks) that an insert at either end
/// does not move: references to them survive it.
bool referencesSurviveEndInsert(StringRef Name) {
  static constexpr StringRef Prefixes[] = {"std::map",
                                           "std::multimap",
                                           "std::set",
                                           "std::multiset",
                                           "std::unordered",
                                           "absl::node_hash",
                                           "boost::unordered_map",
                                           "boost::unordered_set",
                                           "boost::unordered_node",
                                           "boost::multi_index",
                                           "QMap",
                                           "QMultiMap",
                                           "QHash",
                                           "QMultiHash",
                                           "QSet",
                                           "tbb::",
                                           "std::list",
                                           "std::forward_list",
                                           "std::deque",
                                           "boost::container::list",
                                           "boost::container::slist",
                                           "boost::container::stable_vector",
                                           "boost::container::deque",
                                           "QLinkedList"};
  return llvm::any_of(Prefixes, [&](StringRef Prefix) { return Name.starts_with(Prefix); });
}
} // namespace

StringRef ContainerTraits::invalidatingInsertVerb() const {
  if (Shape != ContainerShape::Associative)
    return "reallocate";
  return StringRef(Name).contains("btree") ? "rebalance" : "rehash";
}

ContainerModel::ContainerModel(StringRef ContainerList, StringRef InsertInvalidatingList)
    : Containers(ContainerList), InsertInvalidating(InsertInvalidatingList) {}

std::optional<ContainerTraits> ContainerModel::classifyRecord(const NamedDecl *D, unsigned Depth) const {
  std::string Name = NameList::normalizedName(D);
  if (std::optional<StringRef> Configured = Containers.matchNormalized(Name)) {
    ContainerTraits Traits;
    Traits.Name = Configured->str();
    Traits.InsertInvalidates = InsertInvalidating.matchNormalized(Name).has_value();
    Traits.UniqueKeys = !Configured->contains_insensitive("multi");
    Traits.Library = Configured->starts_with("std::")    ? ContainerLibrary::Std
                     : Configured->starts_with("absl::") ? ContainerLibrary::Absl
                                                         : ContainerLibrary::Other;
    Traits.Shape = shapeOf(*Configured);
    Traits.ReferencesSurviveEndInsert = referencesSurviveEndInsert(*Configured);
    return Traits;
  }
  const auto *Record = dyn_cast<CXXRecordDecl>(D);
  if (!Record || Depth >= MaxBaseDepth || !Record->hasDefinition())
    return std::nullopt;
  for (const CXXBaseSpecifier &Base : Record->getDefinition()->bases()) {
    if (Base.getAccessSpecifier() != AS_public)
      continue;
    if (const auto *BaseDecl = Base.getType()->getAsCXXRecordDecl())
      if (auto Traits = classifyRecord(BaseDecl, Depth + 1))
        return Traits;
  }
  return std::nullopt;
}

std::optional<ContainerTraits> ContainerModel::classify(QualType T) const {
  if (T.isNull())
    return std::nullopt;
  T = T.getNonReferenceType();
  if (const auto *Record = T->getAsCXXRecordDecl())
    return classifyRecord(Record, 0);
  // A dependent std::map<K, V> inside a template has no record yet; its template names it.
  if (const auto *Spec = T->getAs<TemplateSpecializationType>())
    if (const TemplateDecl *Template = Spec->getTemplateName().getAsTemplateDecl())
      return classifyRecord(Template, 0);
  return std::nullopt;
}

bool ContainerModel::isIterableRecord(const CXXRecordDecl *Record, unsigned Depth) {
  if (!Record || !Record->hasDefinition() || Depth >= MaxBaseDepth)
    return false;
  Record = Record->getDefinition();
  if (declaresMethodNamed(Record, "begin") && declaresMethodNamed(Record, "end"))
    return true;
  return llvm::any_of(Record->bases(), [&](const CXXBaseSpecifier &Base) {
    return Base.getAccessSpecifier() == AS_public && isIterableRecord(Base.getType()->getAsCXXRecordDecl(), Depth + 1);
  });
}

namespace {
bool recordSynchronizesItself(const CXXRecordDecl *Record, unsigned Depth = 0);
} // namespace

bool ContainerModel::synchronizesItself(QualType T) {
  return !T.isNull() && recordSynchronizesItself(recordOrPattern(T.getNonReferenceType()));
}

bool ContainerModel::isOtherContainer(QualType T) const {
  if (T.isNull() || classify(T))
    return false;
  // A concurrent container synchronizes itself (oneTBB's concurrent_vector and
  // concurrent_unordered_map keep atomics in their bases; moodycamel's queue, folly's map): filling
  // it from several threads at once is its purpose.
  const CXXRecordDecl *Record = recordOrPattern(T);
  return isIterableRecord(Record, 0) && !recordSynchronizesItself(Record);
}

namespace {
bool changesElements(const CXXMethodDecl *Method) {
  static constexpr StringRef Prefixes[] = {"insert",  "erase",  "push",   "pop",    "emplace", "add",     "Add",
                                           "remove",  "Remove", "append", "Append", "enqueue", "Enqueue", "dequeue",
                                           "Dequeue", "Insert", "Erase",  "Push",   "Pop"};
  if (Method->isConst() || Method->isStatic() || !Method->getIdentifier())
    return Method->getOverloadedOperator() == OO_Subscript && !Method->isConst();
  StringRef Name = Method->getName();
  // A cache's `put`/`del` (workflow's LRUCache) add and remove as `insert`/`erase` do.
  return Name == "clear" || Name == "Clear" || Name == "del" || Name == "Del" || Name.starts_with("put") ||
         Name.starts_with("Put") || Name.starts_with("delete") || Name.starts_with("Delete") ||
         llvm::any_of(Prefixes, [&](StringRef Prefix) { return Name.starts_with(Prefix); });
}

/// A node of a linked structure: a record with a pointer to its own type (`struct list_head { list_head
/// *next, *prev; }`, `Node<T> { T value; Node *next; }`).
bool isLinkedNode(const RecordDecl *Record) {
  if (!Record || !Record->getDefinition())
    return false;
  const auto *Canonical = Record->getCanonicalDecl();
  return llvm::any_of(Record->getDefinition()->fields(), [&](const FieldDecl *Field) {
    const RecordDecl *Pointee =
        Field->getType()->isPointerType() ? Field->getType()->getPointeeType()->getAsRecordDecl() : nullptr;
    return Pointee && Pointee->getCanonicalDecl() == Canonical;
  });
}

/// A member whose type says the class synchronizes itself: a mutex, a lock, an atomic — its own or
/// a base's (oneTBB's concurrent_set keeps its atomics in its base, concurrent_skip_list).
bool recordSynchronizesItself(const CXXRecordDecl *Record, unsigned Depth) {
  if (!Record || !Record->hasDefinition() || Depth >= 4)
    return false;
  Record = Record->getDefinition();
  return llvm::any_of(Record->fields(),
                      [](const FieldDecl *Field) {
                        std::string Type = Field->getType().getAsString();
                        StringRef T(Type);
                        return T.contains_insensitive("mutex") || T.contains("Lock") || T.contains("lock") ||
                               T.contains("atomic") || T.contains("CriticalSection") || T.contains("Semaphore");
                      }) ||
         llvm::any_of(Record->bases(), [&](const CXXBaseSpecifier &Base) {
           return recordSynchronizesItself(Base.getType()->getAsCXXRecordDecl(), Depth + 1);
         });
}

bool readsLikeContainer(const CXXRecordDecl *Record, unsigned Depth) {
  if (!Record || !Record->hasDefinition() || Depth >= 4)
    return false;
  Record = Record->getDefinition();
  if (llvm::any_of(Record->methods(), changesElements))
    return true;
  return llvm::any_of(Record->bases(), [&](const CXXBaseSpecifier &Base) {
    return Base.getAccessSpecifier() == AS_public &&
           readsLikeContainer(Base.getType()->getAsCXXRecordDecl(), Depth + 1);
  });
}
} // namespace

bool ContainerModel::holdsElements(const CXXRecordDecl *Record) const {
  if (!Record || !Record->hasDefinition())
    return false;
  return llvm::any_of(Record->getDefinition()->fields(), [&](const FieldDecl *Field) {
    QualType T = Field->getType();
    if (classify(T))
      return true;
    // A node, a list's head pointer, or a table of chains (`Node **buckets_`, `Node *buckets_[N]`:
    // LevelDB's HandleTable).
    for (unsigned Level = 0; Level < 2 && (T->isPointerType() || T->isArrayType()); ++Level)
      T = T->isPointerType() ? T->getPointeeType() : QualType(T->getPointeeOrArrayElementType(), 0);
    return isLinkedNode(T->getAsRecordDecl());
  });
}

bool ContainerModel::isOwnContainer(QualType T) const {
  if (T.isNull() || classify(T))
    return false;
  const CXXRecordDecl *Record = recordOrPattern(T);
  // Iterable, or holding its elements in a standard container or a linked structure of its own
  // (workflow's LRUCache over intrusive lists and a red-black tree, a hand-written queue).
  if (!Record || !Record->hasDefinition() || Record->isInStdNamespace() ||
      (!isIterableRecord(Record, 0) && !holdsElements(Record)))
    return false;
  Record = Record->getDefinition();
  // A library's own classes (strings, buffers) are not the project's containers.
  if (Record->getASTContext().getSourceManager().isInSystemHeader(Record->getLocation()))
    return false;
  return readsLikeContainer(Record, 0) && !recordSynchronizesItself(Record);
}

QualType ContainerModel::containerBehindHandle(QualType T) const {
  if (T.isNull())
    return QualType();
  QualType Target;
  if (T->isReferenceType() || T->isPointerType()) {
    Target = T->getPointeeType();
  } else if (const auto *Spec = dyn_cast_or_null<ClassTemplateSpecializationDecl>(T->getAsCXXRecordDecl())) {
    StringRef Name = Spec->getName();
    if ((Name == "unique_ptr" || Name == "shared_ptr" || Name == "QSharedPointer" || Name == "QScopedPointer") &&
        Spec->getTemplateArgs().size() > 0 && Spec->getTemplateArgs()[0].getKind() == TemplateArgument::Type)
      Target = Spec->getTemplateArgs()[0].getAsType();
  }
  if (Target.isNull() || Target.isConstQualified() || (!classify(Target) && !isOwnContainer(Target)))
    return QualType();
  return Target;
}

std::optional<ContainerTraits> ContainerModel::classifyObject(const Expr *E, bool ViaPointer) const {
  if (!E)
    return std::nullopt;
  QualType Type = E->IgnoreParenImpCasts()->getType();
  return classify(ViaPointer ? Type->getPointeeType() : Type);
}

bool isMutation(ContainerOpKind Kind) { return Kind != ContainerOpKind::Read; }

std::optional<ContainerOpKind> containerOpKindOf(StringRef MemberName) { return memberOpKind(MemberName); }

SmallVector<ContainerOp, 2> containerOpsOf(const CallExpr *Call, const ContainerModel &Model) {
  SmallVector<ContainerOp, 2> Ops;
  auto AddIfContainer = [&](ContainerOpKind Kind, const Expr *Object, StringRef Name, bool ViaPointer = false) {
    std::optional<ContainerTraits> Traits = Object ? Model.classifyObject(Object, ViaPointer) : std::nullopt;
    // A sequence's operator[] is an accessor, not an insert: what it does depends on its use.
    if (Traits && !(Name == "operator[]" && Traits->Shape != ContainerShape::Associative))
      Ops.push_back({Kind, Object->IgnoreParenImpCasts(), Name.str(), ViaPointer});
  };
  const FunctionDecl *Callee = Call->getDirectCallee();
  if (!Callee) {
    // In a template's definition: `m.erase(k)` on a dependent container, or with a dependent
    // argument; `m[k]`, `m = x` through an operator not yet resolved. Their names say what they do.
    if (std::optional<DependentMemberCall> Dependent = dependentMemberCall(Call)) {
      std::optional<ContainerOpKind> Kind = memberOpKind(Dependent->Name);
      AddIfContainer(Kind.value_or(ContainerOpKind::Read), Dependent->Object, Dependent->Name, Dependent->ViaPointer);
      if ((Dependent->Name == "merge" || Dependent->Name == "swap") && Call->getNumArgs() > 0 &&
          !isa<CXXOperatorCallExpr>(Call))
        AddIfContainer(Dependent->Name == "merge" ? ContainerOpKind::Erase : ContainerOpKind::Replace, Call->getArg(0),
                       Dependent->Name);
    }
    return Ops;
  }
  const auto *Method = dyn_cast<CXXMethodDecl>(Callee);
  // Member calls, written `m.f()` or as operators `m[k]`, `m = x`.
  const Expr *Object = nullptr;
  bool ViaPointer = false;
  llvm::ArrayRef<const Expr *> Args(Call->getArgs(), Call->getNumArgs());
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call)) {
    Object = Member->getImplicitObjectArgument();
    if (const auto *Callee = dyn_cast<MemberExpr>(Member->getCallee()->IgnoreParens()))
      ViaPointer = Callee->isArrow();
  } else if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(Call); Op && Method && Op->getNumArgs() > 0) {
    Object = Op->getArg(0);
    Args = Args.drop_front();
  }
  if (Method && Object) {
    std::string Name = Method->getNameAsString();
    std::optional<ContainerOpKind> Kind = memberOpKind(Name);
    if (!Kind || (*Kind == ContainerOpKind::Insert && Name == "operator[]" && Method->isConst()))
      Kind = ContainerOpKind::Read;
    AddIfContainer(*Kind, Object, Name, ViaPointer);
    // `a.merge(b)` moves nodes out of b; `a.swap(b)` replaces b as well.
    if ((Name == "merge" || Name == "swap") && !Args.empty())
      AddIfContainer(Name == "merge" ? ContainerOpKind::Erase : ContainerOpKind::Replace, Args[0], Name);
    return Ops;
  }
  // Free functions: std::swap and ADL swap, std::erase_if / absl::erase_if.
  StringRef Name = Callee->getIdentifier() ? Callee->getName() : StringRef();
  if (Name == "swap" && Call->getNumArgs() == 2) {
    AddIfContainer(ContainerOpKind::Replace, Call->getArg(0), Name);
    AddIfContainer(ContainerOpKind::Replace, Call->getArg(1), Name);
  } else if (Name == "erase_if" && Call->getNumArgs() == 2) {
    AddIfContainer(ContainerOpKind::Erase, Call->getArg(0), Name);
  }
  return Ops;
}

} // namespace mapguard
