// Guard inference across translation units (part of GuardInference; the project index, issue 24).
// A class whose member functions are split over two files, or a container a helper in another file
// reaches, shows each unit only part of its accesses: each unit tallies the accesses its own
// functions make (tallyForIndex), and the second look adds the other units' tallies to the
// majority rule (addOtherUnits), so that the one access without the lock is seen against all of
// them. Only counts travel: an access of another unit is never reported here, and a mutex is
// matched by its USR among the container's class members or the unit's globals.
#include "analysis/GuardInference.h"
#include "analysis/GuardInferenceDetail.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/Support/Path.h"

using namespace clang;

namespace mapguard {

std::string heldElsewhereText(const GuardInfo &Guard) {
  if (!Guard.Elsewhere.HeldInFile)
    return "";
  return ", " + std::to_string(Guard.Elsewhere.HeldInFile) + " of them in " +
         llvm::sys::path::filename(Guard.Elsewhere.File).str();
}

void GuardInference::tallyForIndex(ASTContext &Ctx, ProjectFacts &Into) const {
  const SourceManager &SM = Ctx.getSourceManager();
  std::string File = unitFileOf(Ctx);
  std::map<std::string, ContainerTally> Tallies; // sorted: the facts are deterministic
  for (const ContainerAccess &Access : Accesses) {
    const FunctionDecl *Where = Access.Enclosing ? Access.Enclosing : Access.Function;
    if (!Access.countsForGuard() || !Where || !SM.isInMainFile(SM.getExpansionLoc(Where->getLocation())))
      continue;
    // A member of a class other units can name, or a global they can reach: declared in a header.
    // (Two files may each define a class of one name for themselves: the same USR, two classes.)
    const auto *Field = dyn_cast<FieldDecl>(Access.Container);
    const Decl *Declared = Field ? static_cast<const Decl *>(Field->getParent()) : Access.Container->getCanonicalDecl();
    if (Field ? !Field->getParent()->isExternallyVisible() : !Access.Container->isExternallyVisible())
      continue;
    if (SM.isInMainFile(SM.getExpansionLoc(Declared->getLocation())))
      continue;
    std::string Usr = usrOf(Access.Container);
    if (Usr.empty())
      continue;
    ContainerTally &Tally = Tallies[Usr];
    Tally.Name = Access.Container->getQualifiedNameAsString();
    Tally.File = File;
    ++Tally.Counted;
    Tally.Written |= Access.Use.Write && !Access.Use.ElementOnly;
    llvm::SmallPtrSet<const ValueDecl *, 2> Counted;
    for (const HeldLock &Lock : Access.Held.held()) {
      const ValueDecl *Mutex = candidateGuard(Access, Lock);
      std::string MutexUsr = Mutex && Counted.insert(Mutex).second ? usrOf(Mutex) : "";
      if (MutexUsr.empty())
        continue;
      ContainerTally::Held &Held = Tally.HeldAt[MutexUsr];
      ++Held.At;
      Held.Taken |= takesLocks(Access.Function);
    }
  }
  for (auto &[Usr, Tally] : Tallies)
    Into.addTally(Usr, std::move(Tally));
}

llvm::SmallDenseMap<const ValueDecl *, GuardInfo::OtherUnits, 2>
GuardInference::addOtherUnits(const ValueDecl *Container, Tally &T, ASTContext &Ctx) const {
  llvm::SmallDenseMap<const ValueDecl *, GuardInfo::OtherUnits, 2> ByMutex;
  const ProjectFacts *Index = projectFacts();
  if (!Index || Index->containers().empty())
    return ByMutex;
  // (A class or global of the main file is its own: see tallyForIndex.)
  const auto *ContainerField = dyn_cast<FieldDecl>(Container);
  const Decl *Declared =
      ContainerField ? static_cast<const Decl *>(ContainerField->getParent()) : Container->getCanonicalDecl();
  const SourceManager &SM = Ctx.getSourceManager();
  if (SM.isInMainFile(SM.getExpansionLoc(Declared->getLocation())))
    return ByMutex;
  std::string Usr = usrOf(Container);
  llvm::SmallVector<const ContainerTally *, 2> Others =
      Usr.empty() ? llvm::SmallVector<const ContainerTally *, 2>() : Index->talliesElsewhere(Usr, unitFileOf(Ctx));
  if (Others.empty())
    return ByMutex;
  // The mutexes other units may name: the members of the container's class, or the globals.
  llvm::StringMap<const ValueDecl *> Mutexes;
  if (const auto *Field = dyn_cast<FieldDecl>(Container)) {
    for (const FieldDecl *Member : Field->getParent()->fields())
      if (Locks.isMutex(Member->getType(), Member) || Member->getType()->isPointerType())
        Mutexes[usrOf(Member)] = Member;
  } else {
    for (const ContainerAccess &Access : Accesses)
      for (const HeldLock &Lock : Access.Held.held())
        if (const ValueDecl *Mutex = candidateGuard(Access, Lock); Mutex && !isa<FieldDecl>(Mutex))
          Mutexes[usrOf(Mutex)] = Mutex;
  }
  GuardInfo::OtherUnits All;
  for (const ContainerTally *Other : Others) {
    T.Counted += Other->Counted;
    All.Counted += Other->Counted;
    All.Written |= Other->Written;
  }
  for (const ContainerTally *Other : Others)
    for (const auto &[MutexUsr, Held] : Other->HeldAt) {
      auto Found = Mutexes.find(MutexUsr);
      if (Found == Mutexes.end())
        continue; // a mutex this unit cannot name: the access counts as held by none
      const ValueDecl *Mutex = Found->second;
      if (T.HeldAt[Mutex] == 0 && !llvm::is_contained(T.Order, Mutex))
        T.Order.push_back(Mutex);
      T.HeldAt[Mutex] += Held.At;
      auto [It, Inserted] = ByMutex.try_emplace(Mutex, All);
      GuardInfo::OtherUnits &Elsewhere = It->second;
      Elsewhere.HeldAt += Held.At;
      Elsewhere.Taken |= Held.Taken;
      if (Held.At > Elsewhere.HeldInFile) {
        Elsewhere.HeldInFile = Held.At;
        Elsewhere.File = Other->File;
      }
    }
  // A mutex no other unit holds: their accesses are counted, held by none.
  for (const ValueDecl *Mutex : T.Order)
    ByMutex.try_emplace(Mutex, All);
  return ByMutex;
}

} // namespace mapguard
