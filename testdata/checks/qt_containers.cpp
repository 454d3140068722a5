// RUN-ARGS: -std=c++17 -Wno-unused -fPIC -I/usr/include/x86_64-linux-gnu/qt5 -I/usr/include/x86_64-linux-gnu/qt5/QtCore
// CHECK-OPTIONS: Rules: all
// Qt 5 containers, iterators and locks from Debian's qtbase5-dev headers, through every check that
// models them: QMap/QHash erased while iterated (STL-style and mutable Java-style iterators),
// QMutex/QMutexLocker guarding a QHash, QReadWriteLock/QReadLocker with a write.
#include <QtCore/QHash>
#include <QtCore/QMap>
#include <QtCore/QMutex>
#include <QtCore/QMutexLocker>
#include <QtCore/QReadWriteLock>
#include <QtCore/QString>
#include <QtCore/QVector>

void dropNegative(QMap<QString, int> &Scores) {
  QMutableMapIterator<QString, int> I(Scores);
  while (I.hasNext()) {
    I.next();
    if (I.value() < 0)
      Scores.remove(I.key()); // expect: mapguard-erase-during-iteration {{'remove' on 'Scores' erases the element 'I' points to while a loop over 'Scores' uses 'I'; 'I' is dangling when the loop uses it next: remove it through the iterator, 'I.remove()'}} note@-3: {{iteration over 'Scores' with 'I' starts here}} note@-3: {{'I' is used here after the change}}
  }
}

void dropNegativeThroughIterator(QMap<QString, int> &Scores) {
  QMutableMapIterator<QString, int> I(Scores);
  while (I.hasNext()) {
    I.next();
    if (I.value() < 0)
      I.remove();
  }
}

void dropNegativeFromCopy(QMap<QString, int> &Scores) {
  QMapIterator<QString, int> I(Scores); // iterates a copy: changing Scores does not touch it
  while (I.hasNext()) {
    I.next();
    if (I.value() < 0)
      Scores.remove(I.key());
  }
}

void dropEmpty(QHash<int, QString> &Names) {
  for (auto It = Names.begin(); It != Names.end(); ++It)
    if (It.value().isEmpty())
      Names.remove(It.key()); // expect: mapguard-erase-during-iteration {{'remove' on 'Names' erases the element 'It' points to while a loop over 'Names' uses 'It'}} note@-2: {{iteration over 'Names' with 'It' starts here}} note@-2: {{'It' is used here after the change}}
}

void dropEmptyErase(QHash<int, QString> &Names) {
  for (auto It = Names.begin(); It != Names.end();)
    if (It.value().isEmpty())
      It = Names.erase(It);
    else
      ++It;
}

void clearInLoop(QHash<int, QString> &Names) {
  for (const QString &Name : Names)
    if (Name.isEmpty())
      Names.clear(); // expect: mapguard-erase-during-iteration {{'clear' on 'Names' inside a range-for over it invalidates the loop's iterator}} note@-2: {{iteration over 'Names' starts here}}
}

class Directory {
public:
  void add(int Id, const QString &Name) {
    QMutexLocker Locker(&Mu);
    Names.insert(Id, Name);
  }
  QString find(int Id) {
    QMutexLocker Locker(&Mu);
    return Names.value(Id);
  }
  void forget(int Id) {
    Names.remove(Id); // expect: mapguard-unguarded-access {{'remove' on 'Names' without holding 'Mu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-7: {{'Names' is accessed with 'Mu' held here}}
  }

private:
  QMutex Mu;
  QHash<int, QString> Names;
};

class Cache {
public:
  int get(const QString &Key) {
    QReadLocker Locker(&Lock);
    return Entries.value(Key);
  }
  void put(const QString &Key, int V) {
    QReadLocker Locker(&Lock);
    Entries.insert(Key, V); // expect: mapguard-write-under-shared-lock {{'insert' on 'Entries' while 'Lock' is held only shared, where every other change of 'Entries' takes it exclusively; other readers may use 'Entries' at the same time: take 'Lock' exclusively}} note@-1: {{'Lock' is locked shared here}}
  }
  void log(int V) {
    QReadLocker Locker(&Lock);
    History.append(V); // expect: mapguard-write-under-shared-lock {{'append' on 'History' while 'Lock' is held only shared}} note@-1: {{'Lock' is locked shared here}}
  }
  void putExclusive(const QString &Key, int V) {
    QWriteLocker Locker(&Lock);
    Entries.insert(Key, V);
    History.append(V);
  }
  int last() {
    QReadLocker Locker(&Lock);
    return History.isEmpty() ? 0 : History.last() + History.at(0);
  }

private:
  QReadWriteLock Lock;
  QHash<QString, int> Entries;
  QVector<int> History;
};
