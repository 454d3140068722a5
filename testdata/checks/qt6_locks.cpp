// RUN-ARGS: -std=c++17 -Wno-unused -fPIC -isystem /usr/include/x86_64-linux-gnu/qt6 -isystem /usr/include/x86_64-linux-gnu/qt6/QtCore
// CHECK-OPTIONS: Rules: all
// Qt 6's locks from Debian's qt6-base-dev headers, included as CMake's Qt targets include them
// (system headers). Qt 6's QMutex declares no lock()/unlock() of its own: `mu.lock()` calls
// QBasicMutex::lock on the QMutex's base. A hand-taken QMutex guards what follows it as a
// QMutexLocker does, a return that skips its unlock() leaks it, and a QBasicMutex (Qt's
// recommended function-local static mutex) is a mutex too.
#include <QtCore/QList>
#include <QtCore/QMutex>
#include <QtCore/QMutexLocker>
#include <QtCore/QReadWriteLock>
#include <QtCore/QString>

class OutputQueue {
public:
  void transmit(const QString &Item) {
    Mu.lock();
    Queue.append(Item); // the hand-taken lock guards it: no finding
    Mu.unlock();
  }
  void transmitUnlocked(const QString &Item) {
    Queue.append(Item); // expect: mapguard-unguarded-access {{'append' on 'Queue' without holding 'Mu', which guards it at every access in the other functions (7 of 8 accesses)}} note@-4: {{'Queue' is accessed with 'Mu' held here}}
  }
  bool transmitUnlessFull(const QString &Item) {
    Mu.lock(); // expect: mapguard-manual-lock {{'Mu' is locked by hand and a 'return' leaves the function with it still locked}} note@+2: {{'Mu' is still locked when this 'return' leaves}}
    if (Queue.size() > 100)
      return false;
    Queue.append(Item);
    Mu.unlock();
    return true;
  }
  bool transmitUnlessFullUnlocking(const QString &Item) {
    Mu.lock();
    if (Queue.size() > 100) {
      Mu.unlock();
      return false;
    }
    Queue.append(Item);
    Mu.unlock();
    return true;
  }
  QString next() {
    QMutexLocker Locker(&Mu);
    return Queue.isEmpty() ? QString() : Queue.takeFirst();
  }

private:
  QMutex Mu;
  QList<QString> Queue;
};

class Sessions {
public:
  void add(const QString &Name) {
    Lock.lockForWrite();
    Names.append(Name);
    Lock.unlock();
  }
  int count() {
    QReadLocker Locker(&Lock);
    return static_cast<int>(Names.size());
  }
  void drop(const QString &Name) {
    Lock.lockForRead();
    Names.removeAll(Name); // expect: mapguard-write-under-shared-lock {{'removeAll' on 'Names' while 'Lock' is held only shared}} note@-1: {{'Lock' is locked shared here}}
    Lock.unlock();
  }

private:
  QReadWriteLock Lock;
  QList<QString> Names;
};

QList<QString> &registry() {
  static QList<QString> Names;
  return Names;
}

void registerName(const QString &Name) {
  static QBasicMutex Mu;
  Mu.lock(); // expect: mapguard-manual-lock {{'Mu' is locked by hand and a 'return' leaves the function with it still locked}} note@+3: {{'Mu' is still locked when this 'return' leaves}}
  registry().append(Name);
  if (Name.isEmpty())
    return;
  Mu.unlock();
}

// Unlocked on every path (no manual-lock finding), but under a mutex of its own: the registry the
// getter returns is one list, which registerName appends to under another mutex.
void registerNameUnlocking(const QString &Name) {
  static QBasicMutex OtherMu;
  OtherMu.lock();
  registry().append(Name); // expect: mapguard-unguarded-access {{'append' on 'registry()' without holding 'Mu', which guards it at every access in the other functions (1 of 2 accesses) (holding 'OtherMu' instead)}} note@-11: {{'registry()' is accessed with 'Mu' held here}}
  OtherMu.unlock();
}
