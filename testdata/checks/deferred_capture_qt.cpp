// RUN-ARGS: -std=c++17 -Wno-unused -fPIC -I/usr/include/x86_64-linux-gnu/qt5 -I/usr/include/x86_64-linux-gnu/qt5/QtCore -I/usr/include/x86_64-linux-gnu/qt5/QtConcurrent
// CHECK-OPTIONS: Rules: all
// mapguard-deferred-capture with Qt 5's own entry points, from Debian's qtbase5-dev headers: a
// QTimer::singleShot callback runs later and a QtConcurrent::run callable on a pool thread, both
// after the QMutexLocker that was held where they were scheduled has unlocked. The negative twin
// locks inside the callable. QMetaObject::invokeMethod with a queued connection runs its functor
// later, in the receiver's event loop, and QThreadPool::start on a pool thread; a direct
// connection runs it within the call, under the caller's lock.
#include <QtConcurrent/QtConcurrentRun>
#include <QtCore/QHash>
#include <QtCore/QMutex>
#include <QtCore/QMutexLocker>
#include <QtCore/QTimer>
#include <QtCore/QObject>
#include <QtCore/QMetaObject>
#include <QtCore/QThreadPool>
class Store : public QObject {
public:
  void put(int K) {
    QMutexLocker L(&Mu);
    Items.insert(K, K);
  }
  void later(int K) {
    QMutexLocker L(&Mu);
    QTimer::singleShot(10, this, [this, K] { Items.remove(K); }); // expect: mapguard-deferred-capture {{'remove' on 'Items' in a callback that runs later, after the lock on 'Mu' held where it is scheduled is released; 'Mu' guards 'Items' (held at 2 of 4 accesses): lock 'Mu' inside the callback}} note: {{the callback is handed over here}} note@-1: {{'Mu' is locked here, and released before the callback runs}} note@-4: {{'Items' is accessed with 'Mu' held here}}
  }
  void async(int K) {
    QMutexLocker L(&Mu);
    QtConcurrent::run([this, K] { Items.insert(K, 0); }); // expect: mapguard-deferred-capture {{'insert' on 'Items' in a callback that runs on another thread, after the lock on 'Mu' held where it is scheduled is released}} note: {{the callback is handed over here}} note@-1: {{'Mu' is locked here, and released before the callback runs}} note@-8: {{'Items' is accessed with 'Mu' held here}}
  }
  void asyncLocked(int K) {
    QtConcurrent::run([this, K] { QMutexLocker L(&Mu); Items.insert(K, 0); });
  }
private:
  QMutex Mu;
  QHash<int, int> Items;
};

class Jobs : public QObject {
public:
  void add(int K) {
    QMutexLocker L(&Mu);
    Pending.insert(K, K);
  }
  void queued(int K) {
    QMutexLocker L(&Mu);
    QMetaObject::invokeMethod(this, [this, K] { Pending.remove(K); }, Qt::QueuedConnection); // expect: mapguard-deferred-capture {{'remove' on 'Pending' in a callback that runs later, after the lock on 'Mu' held where it is scheduled is released; 'Mu' guards 'Pending' (held at 3 of 5 accesses)}} note: {{the callback is handed over here}} note@-1: {{'Mu' is locked here, and released before the callback runs}} note@-4: {{'Pending' is accessed with 'Mu' held here}}
  }
  void direct(int K) {
    QMutexLocker L(&Mu);
    QMetaObject::invokeMethod(this, [this, K] { Pending.remove(K); }, Qt::DirectConnection);
  }
  void pooled(int K) {
    QMutexLocker L(&Mu);
    QThreadPool::globalInstance()->start([this, K] { Pending.insert(K, 0); }); // expect: mapguard-deferred-capture {{'insert' on 'Pending' in a callback that runs on another thread, after the lock on 'Mu' held where it is scheduled is released}} note: {{the callback is handed over here}} note@-1: {{'Mu' is locked here, and released before the callback runs}} note@-12: {{'Pending' is accessed with 'Mu' held here}}
  }
  void pooledLocked(int K) {
    QThreadPool::globalInstance()->start([this, K] {
      QMutexLocker L(&Mu);
      Pending.insert(K, 0);
    });
  }

private:
  QMutex Mu;
  QHash<int, int> Pending;
};
