// LEMON NetworkSimplex baseline for the NASH benchmarks (plain transportation class).
//
// Reads one instance in the text format written by src/lemon.ts, solves the welfare problem
// `runs` times and prints the optimum and one solve time per run. Only the solve is timed
// (NetworkSimplex construction, maps, run()): reading and graph building are excluded, which is
// how the anchors in shared/notes/solver-ideas.md were measured.
//
// Format (whitespace separated):
//   nash-lemon 1
//   scale <k>                    surpluses below are integers = surplus * k
//   supply <ns>   then ns capacities
//   demand <nd>   then nd capacities
//   edges <m>     then m lines "<supply index> <demand index> <scaled surplus>"
// Output: "welfare_scaled <int>" then one "run_ns <int>" per run.
#include <lemon/list_graph.h>
#include <lemon/network_simplex.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

struct Instance {
  std::int64_t scale = 1;
  std::vector<std::int64_t> supply;
  std::vector<std::int64_t> demand;
  struct Edge {
    std::size_t s, d;
    std::int64_t surplus;
  };
  std::vector<Edge> edges;
};

bool expect(std::istream& in, const std::string& word) {
  std::string got;
  if (!(in >> got) || got != word) {
    std::cerr << "lemon-harness: expected '" << word << "', got '" << got << "'\n";
    return false;
  }
  return true;
}

bool readInstance(std::istream& in, Instance& inst) {
  int version = 0;
  if (!expect(in, "nash-lemon") || !(in >> version) || version != 1) return false;
  if (!expect(in, "scale") || !(in >> inst.scale) || inst.scale <= 0) return false;
  std::size_t n = 0;
  if (!expect(in, "supply") || !(in >> n)) return false;
  inst.supply.resize(n);
  for (auto& c : inst.supply)
    if (!(in >> c) || c < 0) return false;
  if (!expect(in, "demand") || !(in >> n)) return false;
  inst.demand.resize(n);
  for (auto& c : inst.demand)
    if (!(in >> c) || c < 0) return false;
  if (!expect(in, "edges") || !(in >> n)) return false;
  inst.edges.resize(n);
  for (auto& e : inst.edges) {
    if (!(in >> e.s >> e.d >> e.surplus)) return false;
    if (e.s >= inst.supply.size() || e.d >= inst.demand.size()) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: lemon-harness <instance.txt> <runs>\n";
    return 2;
  }
  std::ifstream file(argv[1]);
  Instance inst;
  if (!file || !readInstance(file, inst)) {
    std::cerr << "lemon-harness: cannot read instance " << argv[1] << "\n";
    return 2;
  }
  const long runs = std::strtol(argv[2], nullptr, 10);
  if (runs < 1) {
    std::cerr << "lemon-harness: runs must be >= 1\n";
    return 2;
  }

  using Graph = lemon::ListDigraph;
  Graph g;
  // A source feeds every supply leg, every demand leg drains into a sink, and a zero-cost
  // bypass arc lets any unsold supply skip the market: legs are capacities, not quotas.
  const Graph::Node source = g.addNode();
  const Graph::Node sink = g.addNode();
  Graph::ArcMap<std::int64_t> cap(g);
  Graph::ArcMap<std::int64_t> cost(g);
  Graph::NodeMap<std::int64_t> sup(g, 0);
  std::int64_t total = 0;
  std::vector<Graph::Node> sNodes, dNodes;
  for (std::int64_t c : inst.supply) {
    const Graph::Node n = g.addNode();
    sNodes.push_back(n);
    const Graph::Arc a = g.addArc(source, n);
    cap[a] = c;
    cost[a] = 0;
    total += c;
  }
  for (std::int64_t c : inst.demand) {
    const Graph::Node n = g.addNode();
    dNodes.push_back(n);
    const Graph::Arc a = g.addArc(n, sink);
    cap[a] = c;
    cost[a] = 0;
  }
  for (const auto& e : inst.edges) {
    const Graph::Arc a = g.addArc(sNodes[e.s], dNodes[e.d]);
    cap[a] = std::min(inst.supply[e.s], inst.demand[e.d]);
    cost[a] = -e.surplus;  // NetworkSimplex minimises cost; welfare is maximised.
  }
  const Graph::Arc bypass = g.addArc(source, sink);
  cap[bypass] = total;
  cost[bypass] = 0;
  sup[source] = total;
  sup[sink] = -total;

  std::int64_t welfare = 0;
  std::vector<std::int64_t> times;
  times.reserve(static_cast<std::size_t>(runs));
  for (long r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    lemon::NetworkSimplex<Graph, std::int64_t, std::int64_t> ns(g);
    ns.upperMap(cap).costMap(cost).supplyMap(sup);
    const auto status = ns.run();
    const auto t1 = std::chrono::steady_clock::now();
    if (status != lemon::NetworkSimplex<Graph, std::int64_t, std::int64_t>::OPTIMAL) {
      std::cerr << "lemon-harness: not optimal (status " << status << ")\n";
      return 1;
    }
    welfare = -ns.totalCost<std::int64_t>();
    times.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  }
  std::cout << "welfare_scaled " << welfare << "\n";
  for (std::int64_t t : times) std::cout << "run_ns " << t << "\n";
  return 0;
}
