//! Welfare maximisation over a bipartite market (settlement.md §3.1) as a transportation
//! problem, solved by the primal network simplex method.
//!
//! The problem `maximise Σ profit[e]·x[e]` subject to `lo[v] ≤ Σ_{e∋v} x[e] ≤ hi[v]` is
//! modelled as a min-cost circulation through one hub node `R` (source and sink merged): leg
//! arcs `R → s` for supply nodes and `d → R` for demand nodes carry the node totals with bounds
//! `[lo, hi]`, and the market arcs `s → d` cost `−profit`. Lower bounds are shifted into node
//! supplies. The initial spanning tree hangs every supply node below a demand node through a
//! market arc and every demand node below `R` through its leg arc; where the lower bounds do
//! not fit, a big-M artificial arc takes the leg arc's place (so phase one and phase two are a
//! single run; M is large enough that any feasible instance ends with no flow on artificial
//! arcs, and the potentials of the real nodes remain exact duals because an artificial arc
//! only adds constraints to the dual).
//!
//! Anti-cycling: the tree is kept *strongly feasible* (Cunningham 1976): the initial tree is,
//! and the leaving arc is the last blocking arc met when walking the pivot cycle in the flow's
//! direction from its apex. Ratio-test ties are detected with a tolerance so that values such
//! as `0.6000000000000001` and `0.6` count as the same breakpoint.
//!
//! Pricing is block search (small blocks, resumed where the last one stopped). The tree is
//! stored as parent pointers, doubly linked child lists and subtree sizes; a pivot re-hangs
//! one subtree, updates sizes along the cycle only, and shifts the potentials of the smaller
//! side of the cut. Potentials are recomputed exactly before optimality is declared.
//! Everything is deterministic: no hashing, no randomness, fixed scan order.

use crate::deadline::Deadline;

/// Maximise `Σ_e profit[e]·x[e]` subject to `node_lo[v] ≤ Σ_{e∋v} x[e] ≤ node_hi[v]`, `x ≥ 0`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transport {
    /// Per node (leg): lower bound on its total, `≥ 0`.
    pub node_lo: Vec<f64>,
    /// Per node: upper bound on its total, `≥ node_lo`, may be `f64::INFINITY`.
    pub node_hi: Vec<f64>,
    /// `(supply node, demand node)`; a node is an endpoint on one side only.
    pub arcs: Vec<(usize, usize)>,
    /// Per arc, any sign.
    pub profit: Vec<f64>,
    /// The size of the profits that matter, which the optimality test's reduced-cost tolerance
    /// is relative to; `None`: the largest `|profit|` (at least 1). A caller with big-M penalty
    /// arcs passes the scale of its real profits (as `lp::Lp::cost_scale`).
    pub cost_scale: Option<f64>,
}

/// An optimal vertex of a [`Transport`] problem with its node duals.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransportSolution {
    /// Per arc, `≥ 0`.
    pub x: Vec<f64>,
    /// `Σ profit[e]·x[e]`.
    pub objective: f64,
    /// Per node `y`: `profit[e] − y[s] − y[d] ≤ tol` on every arc, `= 0` where `x > 0`;
    /// `y > 0` only at nodes at `hi`, `y < 0` only at nodes at `lo`; 0 at isolated nodes.
    pub dual: Vec<f64>,
}

/// Why [`solve_transport`] returned no solution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowError {
    /// The node bounds cannot all be met (typically lower bounds).
    Infeasible,
    /// The deadline passed first.
    Deadline,
    /// A positive-profit arc joins two nodes without upper bounds: the objective is unbounded.
    Unbounded,
    /// Malformed input: lengths differ, an index is out of range, a node is used on both
    /// sides, a bound is negative or NaN, or a profit is not finite.
    Invalid,
    /// The iteration safeguard tripped (a floating-point failure of the anti-cycling rule).
    Numerical,
}

/// Sentinel for "no node".
const NONE: usize = usize::MAX;
/// Arc states: nonbasic at lower bound, nonbasic at upper bound, in the spanning tree.
const LOWER: i8 = 1;
const UPPER: i8 = -1;
const TREE: i8 = 0;
/// Relative tolerances (against the largest bound / largest profit) for flow ties, the final
/// feasibility check and reduced-cost signs.
const FLOW_TIE_REL: f64 = 1e-12;
const FEAS_REL: f64 = 1e-9;
const COST_REL: f64 = 1e-11;
/// Pricing block: `max(BLOCK_MIN, BLOCK_FACTOR·√arcs)` arcs. Market instances are highly
/// degenerate (surpluses are additive, `value − cost`), so cheap pivots win over careful
/// ones: on the 100×100 and 300×300 benchmarks a factor of 0.1 is ~25 % faster than 1.0
/// (LEMON's default) and 3.0 is ~50 % slower.
const BLOCK_FACTOR: f64 = 0.1;
const BLOCK_MIN: usize = 10;
/// Pivots between two deadline polls.
const DEADLINE_POLL: usize = 64;

/// Side of a node in the bipartite graph.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Isolated,
    Supply,
    Demand,
}

/// Min-cost flow network with a spanning-tree basis (network simplex state).
struct Net {
    tail: Vec<usize>,
    head: Vec<usize>,
    cap: Vec<f64>,
    cost: Vec<f64>,
    flow: Vec<f64>,
    state: Vec<i8>,
    /// Pricing sign per arc: `state` as a float, 0 for tree arcs and arcs with no capacity
    /// (branch-free pricing loop).
    sgn: Vec<f64>,
    parent: Vec<usize>,
    pred: Vec<usize>,
    /// `pred[v]` points from `v` to its parent (towards the root).
    up: Vec<bool>,
    /// Size of the subtree below each node (itself included); finds the cycle's apex.
    succ: Vec<usize>,
    root: usize,
    pi: Vec<f64>,
    first_child: Vec<usize>,
    next_sib: Vec<usize>,
    prev_sib: Vec<usize>,
    next_arc: usize,
    block: usize,
    eps_flow: f64,
    eps_cost: f64,
}

impl Net {
    fn add_arc(&mut self, t: usize, h: usize, cap: f64, cost: f64) -> usize {
        self.tail.push(t);
        self.head.push(h);
        self.cap.push(cap);
        self.cost.push(cost);
        self.flow.push(0.0);
        self.state.push(LOWER);
        self.sgn.push(if cap > 0.0 { 1.0 } else { 0.0 });
        self.tail.len() - 1
    }

    fn set_state(&mut self, e: usize, st: i8) {
        self.state[e] = st;
        self.sgn[e] = if st == TREE || self.cap[e] <= 0.0 {
            0.0
        } else {
            f64::from(st)
        };
    }

    fn detach(&mut self, v: usize) {
        let p = self.parent[v];
        let (prev, next) = (self.prev_sib[v], self.next_sib[v]);
        if prev == NONE {
            if p != NONE {
                self.first_child[p] = next;
            }
        } else {
            self.next_sib[prev] = next;
        }
        if next != NONE {
            self.prev_sib[next] = prev;
        }
        self.prev_sib[v] = NONE;
        self.next_sib[v] = NONE;
    }

    fn attach(&mut self, v: usize, p: usize) {
        self.parent[v] = p;
        let old = self.first_child[p];
        self.next_sib[v] = old;
        self.prev_sib[v] = NONE;
        if old != NONE {
            self.prev_sib[old] = v;
        }
        self.first_child[p] = v;
    }

    /// Potential of `v` implied by its tree arc (reduced cost `cost + π_tail − π_head = 0`).
    fn tree_pi(&self, v: usize) -> f64 {
        let a = self.pred[v];
        let p = self.parent[v];
        if self.up[v] {
            self.pi[p] - self.cost[a]
        } else {
            self.pi[p] + self.cost[a]
        }
    }

    /// Exact potentials of the whole tree from its links (the root keeps potential 0), and
    /// the subtree sizes. Pivots shift potentials incrementally; this removes the drift.
    fn recompute_all(&mut self, order: &mut Vec<usize>) {
        let root = self.root;
        order.clear();
        order.push(root);
        self.pi[root] = 0.0;
        let mut k = 0;
        while k < order.len() {
            let v = order[k];
            k += 1;
            if v != root {
                self.pi[v] = self.tree_pi(v);
            }
            let mut c = self.first_child[v];
            while c != NONE {
                order.push(c);
                c = self.next_sib[c];
            }
        }
        for &v in order.iter().rev() {
            self.succ[v] = 1;
            let mut c = self.first_child[v];
            while c != NONE {
                self.succ[v] += self.succ[c];
                c = self.next_sib[c];
            }
        }
    }

    /// Add `sigma` to the potentials of the subtree below `r`, or, when that subtree is the
    /// larger part of the tree, `−sigma` to everything else (potentials only matter up to a
    /// constant, so either restores zero reduced cost on the entering arc).
    fn shift_pi(&mut self, r: usize, sigma: f64, stack: &mut Vec<usize>) {
        let root = self.root;
        let (start, skip, delta) = if 2 * self.succ[r] <= self.parent.len() {
            (r, NONE, sigma)
        } else {
            (root, r, -sigma)
        };
        stack.clear();
        stack.push(start);
        while let Some(v) = stack.pop() {
            self.pi[v] += delta;
            let mut c = self.first_child[v];
            while c != NONE {
                if c != skip {
                    stack.push(c);
                }
                c = self.next_sib[c];
            }
        }
    }

    /// Block-search pricing: the most violating arc of the first block that has one. The scan
    /// resumes where the previous one stopped and wraps around (two plain ranges, no modulo
    /// in the hot loop).
    fn find_entering(&mut self) -> Option<usize> {
        let m = self.tail.len();
        let start = self.next_arc.min(m);
        let mut best = None;
        let mut best_v = -self.eps_cost;
        let mut seen = 0;
        let (cost, tail, head, sgn) = (
            &self.cost[..m],
            &self.tail[..m],
            &self.head[..m],
            &self.sgn[..m],
        );
        let pi = &self.pi;
        for range in [start..m, 0..start] {
            for e in range {
                let v = sgn[e] * (cost[e] + pi[tail[e]] - pi[head[e]]);
                if v < best_v {
                    best_v = v;
                    best = Some(e);
                }
                seen += 1;
                if seen == self.block {
                    seen = 0;
                    if best.is_some() {
                        self.next_arc = e + 1;
                        return best;
                    }
                }
            }
        }
        if let Some(e) = best {
            self.next_arc = e + 1;
        }
        best
    }

    /// The apex of the cycle: an ancestor's subtree is strictly larger than its descendant's,
    /// so the node with the smaller subtree is never the apex and may step up.
    fn join(&self, mut u: usize, mut v: usize) -> usize {
        while u != v {
            if self.succ[u] < self.succ[v] {
                u = self.parent[u];
            } else {
                v = self.parent[v];
            }
        }
        u
    }

    /// One pivot on entering arc `e`. Returns false when the cycle is unbounded.
    fn pivot(&mut self, e: usize, path: &mut Vec<usize>, stack: &mut Vec<usize>) -> bool {
        let st = self.state[e];
        let (t, h) = (self.tail[e], self.head[e]);
        let (first, second) = if st == LOWER { (t, h) } else { (h, t) };
        let apex = self.join(t, h);
        let eps = self.eps_flow;

        // Ratio test. Walking the cycle in the flow's direction from the apex, the path from
        // the apex down to `first` comes before the entering arc, the path from `second` up to
        // the apex after it; the leaving arc is the last blocking one in that order.
        let mut delta = self.cap[e];
        let mut side = 0u8;
        let mut u_out = NONE;
        let mut u = first;
        while u != apex {
            let a = self.pred[u];
            let d = if self.up[u] {
                self.flow[a]
            } else {
                self.cap[a] - self.flow[a]
            };
            if d < delta - eps {
                delta = d;
                u_out = u;
                side = 1;
            }
            u = self.parent[u];
        }
        u = second;
        while u != apex {
            let a = self.pred[u];
            let d = if self.up[u] {
                self.cap[a] - self.flow[a]
            } else {
                self.flow[a]
            };
            if d <= delta + eps {
                delta = delta.min(d);
                u_out = u;
                side = 2;
            }
            u = self.parent[u];
        }
        if delta == f64::INFINITY {
            return false;
        }
        let delta = delta.max(0.0);

        if delta > 0.0 {
            let val = f64::from(st) * delta;
            self.flow[e] += val;
            for (start, sign) in [(t, -1.0), (h, 1.0)] {
                let mut u = start;
                while u != apex {
                    let a = self.pred[u];
                    let dir = if self.up[u] { 1.0 } else { -1.0 };
                    self.flow[a] = (self.flow[a] + sign * dir * val).clamp(0.0, self.cap[a]);
                    u = self.parent[u];
                }
            }
        }

        if side == 0 {
            // The entering arc itself blocks: it moves to its other bound, the tree stays.
            if st == LOWER {
                self.set_state(e, UPPER);
                self.flow[e] = self.cap[e];
            } else {
                self.set_state(e, LOWER);
                self.flow[e] = 0.0;
            }
            return true;
        }

        // The leaving arc sits exactly at the bound it reached.
        let la = self.pred[u_out];
        let to_zero = (side == 1) == self.up[u_out];
        if to_zero {
            self.flow[la] = 0.0;
            self.set_state(la, LOWER);
        } else {
            self.flow[la] = self.cap[la];
            self.set_state(la, UPPER);
        }
        self.flow[e] = self.flow[e].clamp(0.0, self.cap[e]);
        self.set_state(e, TREE);

        let (u_in, v_in) = if side == 1 {
            (first, second)
        } else {
            (second, first)
        };
        // Subtree sizes: the detached part moves from below u_out's old parent to below v_in;
        // above the apex nothing changes.
        let size = self.succ[u_out];
        let mut w = self.parent[u_out];
        while w != apex {
            self.succ[w] -= size;
            w = self.parent[w];
        }
        let mut w = v_in;
        while w != apex {
            self.succ[w] += size;
            w = self.parent[w];
        }
        // Re-hang the path u_in → … → u_out below v_in, reversing its tree arcs.
        path.clear();
        let mut w = u_in;
        loop {
            path.push(w);
            if w == u_out {
                break;
            }
            w = self.parent[w];
        }
        for &w in path.iter() {
            self.detach(w);
        }
        let mut prev_pred = self.pred[path[0]];
        let mut prev_up = self.up[path[0]];
        let mut prev_succ = self.succ[path[0]];
        self.succ[path[0]] = size;
        self.pred[path[0]] = e;
        self.up[path[0]] = self.tail[e] == u_in;
        self.attach(path[0], v_in);
        for i in 1..path.len() {
            let w = path[i];
            let (op, ou, os) = (self.pred[w], self.up[w], self.succ[w]);
            self.pred[w] = prev_pred;
            self.up[w] = !prev_up;
            self.succ[w] = size - prev_succ;
            prev_succ = os;
            self.attach(w, path[i - 1]);
            prev_pred = op;
            prev_up = ou;
        }
        let sigma = self.tree_pi(u_in) - self.pi[u_in];
        self.shift_pi(u_in, sigma, stack);
        true
    }
}

/// Check the input and classify nodes as supply, demand or isolated.
fn classify(p: &Transport) -> Result<Vec<Side>, FlowError> {
    let n = p.node_lo.len();
    if p.node_hi.len() != n || p.profit.len() != p.arcs.len() {
        return Err(FlowError::Invalid);
    }
    for v in 0..n {
        let (lo, hi) = (p.node_lo[v], p.node_hi[v]);
        if !lo.is_finite() || lo < 0.0 || hi.is_nan() || hi < 0.0 {
            return Err(FlowError::Invalid);
        }
    }
    if p.profit.iter().any(|c| !c.is_finite()) {
        return Err(FlowError::Invalid);
    }
    let mut side = vec![Side::Isolated; n];
    for &(s, d) in &p.arcs {
        if s >= n || d >= n {
            return Err(FlowError::Invalid);
        }
        for (v, want) in [(s, Side::Supply), (d, Side::Demand)] {
            if side[v] == Side::Isolated {
                side[v] = want;
            } else if side[v] != want {
                return Err(FlowError::Invalid);
            }
        }
    }
    Ok(side)
}

/// The circulation network and a strongly feasible initial tree (see the module docs).
/// Returns the network, the index of its first artificial arc, and the bound scale.
fn build(p: &Transport, side: &[Side]) -> (Net, usize, f64) {
    let n = p.node_lo.len();
    let (root, nodes) = (n, n + 1);
    let max_profit = p.profit.iter().fold(0.0f64, |a, c| a.max(c.abs()));
    let scale = p
        .node_lo
        .iter()
        .chain(p.node_hi.iter())
        .filter(|b| b.is_finite())
        .fold(1.0f64, |a, b| a.max(b.abs()));
    // Any path of real arcs costs at least −nodes·max_profit, so an artificial detour never
    // beats a real route when M exceeds that.
    #[allow(clippy::cast_precision_loss)] // node counts are far below 2^52
    let big_m = (max_profit + 1.0) * (nodes as f64);
    // The arcs, then a leg arc and at most one artificial arc per node: sized once, since
    // growing seven arrays arc by arc was a tenth of a small oracle's instructions.
    let room = p.arcs.len() + 2 * n;
    let mut net = Net {
        tail: Vec::with_capacity(room),
        head: Vec::with_capacity(room),
        cap: Vec::with_capacity(room),
        cost: Vec::with_capacity(room),
        flow: Vec::with_capacity(room),
        state: Vec::with_capacity(room),
        sgn: Vec::with_capacity(room),
        parent: vec![NONE; nodes],
        pred: vec![NONE; nodes],
        up: vec![true; nodes],
        succ: vec![1; nodes],
        root,
        pi: vec![0.0; nodes],
        first_child: vec![NONE; nodes],
        next_sib: vec![NONE; nodes],
        prev_sib: vec![NONE; nodes],
        next_arc: 0,
        block: 1,
        eps_flow: FLOW_TIE_REL * scale,
        eps_cost: COST_REL
            * match p.cost_scale {
                Some(c) if c > 0.0 && c.is_finite() => c,
                _ => max_profit.max(1.0),
            },
    };
    for (e, &(s, d)) in p.arcs.iter().enumerate() {
        net.add_arc(s, d, f64::INFINITY, -p.profit[e]);
    }
    // Leg arcs R → s and d → R, with their lower bounds shifted to zero.
    let mut leg = vec![NONE; n];
    for (v, &sd) in side.iter().enumerate() {
        let cap = p.node_hi[v] - p.node_lo[v];
        leg[v] = match sd {
            Side::Supply => net.add_arc(root, v, cap, 0.0),
            Side::Demand => net.add_arc(v, root, cap, 0.0),
            Side::Isolated => NONE,
        };
    }
    // Initial tree. A supply node hangs below the head of its first arc, shipping its lower
    // bound there (an up arc of infinite capacity). A demand node hangs below the root by its
    // leg arc when the flow it must pass on fits strictly below the leg's capacity, otherwise
    // by an artificial arc; isolated nodes hang by a zero-flow artificial arc. Every zero-flow
    // tree arc points up and none sits at its capacity: the tree is strongly feasible.
    let mut excess = vec![0.0f64; n];
    for (v, &sd) in side.iter().enumerate() {
        if sd == Side::Demand {
            excess[v] -= p.node_lo[v];
        }
    }
    for (e, &(s, d)) in p.arcs.iter().enumerate() {
        if net.parent[s] == NONE {
            net.parent[s] = d;
            net.pred[s] = e;
            net.up[s] = true;
            net.set_state(e, TREE);
            net.flow[e] = p.node_lo[s];
            excess[d] += p.node_lo[s];
        }
    }
    let first_artificial = net.tail.len();
    for v in 0..n {
        if side[v] == Side::Supply {
            let d = net.parent[v];
            net.attach(v, d);
            continue;
        }
        let x = excess[v];
        let l = leg[v];
        if l != NONE && x >= 0.0 && x < net.cap[l] {
            net.set_state(l, TREE);
            net.flow[l] = x;
            net.pred[v] = l;
            net.up[v] = true;
        } else {
            let mut rest = x;
            if l != NONE && x >= net.cap[l] {
                net.set_state(l, UPPER);
                net.flow[l] = net.cap[l];
                rest -= net.cap[l];
            }
            let a = if rest >= 0.0 {
                net.add_arc(v, root, f64::INFINITY, big_m)
            } else {
                net.add_arc(root, v, f64::INFINITY, big_m)
            };
            net.set_state(a, TREE);
            net.flow[a] = rest.abs();
            net.pred[v] = a;
            net.up[v] = rest >= 0.0;
        }
        net.attach(v, root);
    }
    net.recompute_all(&mut Vec::with_capacity(nodes));
    let arcs = net.tail.len();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    // √arcs of a vector length is small, finite and non-negative
    {
        net.block = ((BLOCK_FACTOR * (arcs as f64).sqrt()).ceil() as usize).max(BLOCK_MIN);
    }
    (net, first_artificial, scale)
}

/// Solve a transportation problem to an optimal vertex with node duals.
///
/// # Errors
/// [`FlowError::Infeasible`] when the lower bounds cannot be met, [`FlowError::Unbounded`]
/// when a positive-profit arc has no upper bound on either end, [`FlowError::Deadline`] when
/// `deadline` passes first, [`FlowError::Invalid`] on malformed input, and
/// [`FlowError::Numerical`] if the iteration safeguard trips.
pub fn solve_transport(p: &Transport, deadline: Deadline) -> Result<TransportSolution, FlowError> {
    let side = classify(p)?;
    let n = p.node_lo.len();
    for (v, &sd) in side.iter().enumerate() {
        if p.node_lo[v] > p.node_hi[v] || (sd == Side::Isolated && p.node_lo[v] > 0.0) {
            return Err(FlowError::Infeasible);
        }
    }
    let (mut net, first_artificial, scale) = build(p, &side);
    let (root, nodes, arcs) = (n, n + 1, net.tail.len());

    let mut path = Vec::with_capacity(nodes);
    let mut stack = Vec::with_capacity(nodes);
    // Strongly feasible network simplex terminates; this only guards against float mishaps.
    let limit = 200 * (arcs + nodes) + 10_000;
    let mut iter = 0usize;
    loop {
        let e = match net.find_entering() {
            Some(e) => e,
            None => {
                // Declare optimality only on exact potentials.
                net.recompute_all(&mut stack);
                match net.find_entering() {
                    Some(e) => e,
                    None => break,
                }
            }
        };
        iter += 1;
        if iter.is_multiple_of(DEADLINE_POLL) && deadline.passed() {
            return Err(FlowError::Deadline);
        }
        if iter > limit {
            return Err(FlowError::Numerical);
        }
        if !net.pivot(e, &mut path, &mut stack) {
            return Err(FlowError::Unbounded);
        }
    }
    let art: f64 = net.flow[first_artificial..].iter().sum();
    if art > FEAS_REL * scale {
        return Err(FlowError::Infeasible);
    }

    let x: Vec<f64> = (0..p.arcs.len())
        .map(|e| {
            if net.flow[e] <= net.eps_flow {
                0.0
            } else {
                net.flow[e]
            }
        })
        .collect();
    let objective = x.iter().zip(&p.profit).map(|(x, c)| x * c).sum();
    // y_s = π_s − π_R and y_d = π_R − π_d: then profit − y_s − y_d is minus the reduced cost
    // of the market arc, and y is minus the reduced cost of the node's leg arc, whose sign
    // says which bound binds.
    let dual = (0..n)
        .map(|v| {
            let y = match side[v] {
                Side::Supply => net.pi[v] - net.pi[root],
                Side::Demand => net.pi[root] - net.pi[v],
                Side::Isolated => 0.0,
            };
            if y.abs() <= net.eps_cost {
                0.0
            } else {
                y
            }
        })
        .collect();
    Ok(TransportSolution { x, objective, dual })
}
