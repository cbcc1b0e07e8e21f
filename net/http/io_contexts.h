// IoContexts: the HTTP server's reactors, one asio::io_context per I/O thread, and the rule that
// says on which of them a connection lives and when one of them may evaluate a query itself.
// Private to server.cc (it includes Asio).
//
// Why one reactor per thread: with one io_context shared by two threads, asio hands the reactor
// to the idle thread whenever a handler becomes ready, so every request woke the other thread (a
// futex call and, on a virtual machine, an idle vCPU's wake-up): about a third of a small
// query's time on loopback. With a reactor of its own, the thread that reads a request also
// answers it, and an idle server's threads sleep in epoll.
//
// Invariants:
//  - A connection lives on one context for its life (Place counts it there, Leave uncounts it);
//    the acceptor lives on context 0.
//  - A query is evaluated by an I/O thread (ClaimForQuery true) only on a context other than 0
//    that serves no other connection, and Place gives that context no new connection until
//    ReleaseQuery. So no connection waits for another connection's query, and accepting never
//    stops. ClaimForQuery and Place each store their own flag or count, then read the other's,
//    sequentially consistent: when they race, at most one of them goes ahead (the other picks
//    the pool, or another context).
//  - Place gives a new connection the context with the fewest connections, counting the acceptor
//    as one on context 0 and breaking ties towards context 0: a lone client's connection sits
//    alone on a context where its queries run without a hand-off, and the next client's goes
//    elsewhere instead of taking that away.
#ifndef PROMLET_NET_HTTP_IO_CONTEXTS_H_
#define PROMLET_NET_HTTP_IO_CONTEXTS_H_

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

namespace promlet::net {

class IoContexts {
 public:
  struct Context {
    std::atomic<int> connections{0};
    std::atomic<bool> evaluating{false};
    // Declared after the counters: destroying the io_context destroys the sessions still queued
    // in it, and they uncount themselves.
    boost::asio::io_context ioc{1};  // one thread runs it
    // Keeps run() going while a request is on a worker and no socket operation is pending.
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
        boost::asio::make_work_guard(ioc);
    bool accepts = false;  // the acceptor's context: never evaluates a query
  };

  explicit IoContexts(int threads) {
    for (int i = 0; i < std::max(1, threads); ++i) contexts_.push_back(std::make_unique<Context>());
    contexts_[0]->accepts = true;
  }

  size_t size() const { return contexts_.size(); }
  Context& operator[](size_t i) { return *contexts_[i]; }
  Context& acceptor() { return *contexts_[0]; }

  // Chooses the context of a connection just accepted and counts the connection there.
  Context& Place() {
    for (;;) {
      Context* best = contexts_[0].get();
      int best_load = best->connections.load() + 1;  // + the acceptor
      for (size_t i = 1; i < contexts_.size(); ++i) {
        int load = contexts_[i]->connections.load();
        if (load < best_load && !contexts_[i]->evaluating.load()) {
          best = contexts_[i].get();
          best_load = load;
        }
      }
      best->connections.fetch_add(1);
      if (best->accepts || !best->evaluating.load()) return *best;
      best->connections.fetch_sub(1);  // it began a query meanwhile: look again
    }
  }

  static void Leave(Context& c) { c.connections.fetch_sub(1); }

  // Lets every run() return once its handlers are done, then stops it.
  void Stop() {
    for (auto& c : contexts_) {
      c->work.reset();
      c->ioc.stop();
    }
  }

  // On `c`'s thread, for a query that arrived on it: true when this thread may evaluate it now,
  // and then ReleaseQuery must follow.
  static bool ClaimForQuery(Context& c) {
    if (c.accepts) return false;
    c.evaluating.store(true);
    if (c.connections.load() == 1) return true;
    c.evaluating.store(false);
    return false;
  }
  static void ReleaseQuery(Context& c) { c.evaluating.store(false); }

 private:
  std::vector<std::unique_ptr<Context>> contexts_;
};

}  // namespace promlet::net

#endif  // PROMLET_NET_HTTP_IO_CONTEXTS_H_
