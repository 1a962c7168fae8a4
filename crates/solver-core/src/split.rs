//! The Nash split of a **fixed** allocation (settlement.md §3.2, the off-frontier verdict, and a
//! building block of the Nash stage).
//!
//! Every trade `e` between a seller and a buyer carries a surplus `T_e ≥ 0` that its price
//! divides between the two. A party's utility `u_i` is the sum of its shares. The utility vectors
//! that some split reaches are exactly the **base polytope** of the coverage function
//! `f(A) = Σ { T_e : e touches A }` (a transportation argument: Hall's condition for sending every
//! trade's surplus to its endpoints is `u(A) ≤ f(A)`). Maximising `Σ w_i log u_i` over a base
//! polytope is solved by the **lexicographically optimal base** with respect to `w`
//! (Fujishige 1980, "Lexicographically optimal base of a polymatroid with respect to a weight
//! vector", Math. Oper. Res. 5(2); also Fujishige, *Submodular Functions and Optimization*, §9):
//! the parties fall into level sets `A_1, A_2, …` with ratios `r = u_i / w_i = λ_1 < λ_2 < …`,
//! where `A_1` is the largest minimiser of `f(A)/w(A)`, and each later level is the same on the
//! contraction of `f` by the earlier ones.
//!
//! ## Method: divide and conquer with one max-flow per split
//!
//! For a sub-problem (parties `V`, trades inside `V`, and a fixed income per party from trades
//! already decided) take `λ = f(V)/w(V)`. The largest minimiser of `f(A) − λ·w(A)` is exactly
//! `{ i : r_i ≤ λ }` (Fujishige's decomposition algorithm; Groenevelt 1991 and Nagano 2007 use
//! the same parametric structure). It is a min cut: each trade's surplus flows to its two
//! endpoints, each party accepts at most `λ·w_i`; after a maximum flow, the parties that can
//! still be reached from surplus that found no room (through shares that could be moved back)
//! form `{ r_i > λ }`. If that set is empty, `V` is one level and the flow is the split. If not,
//! the trades between the two sides go wholly to the lower side (the per-trade optimality
//! condition), both sides are solved on their own, and the recursion ends after at most
//! `|V| − 1` splits. Every sub-problem is first cut into connected components, which are
//! independent.
//!
//! The flow is kept in "excess" form: every trade's surplus is always fully assigned to its
//! endpoints (the seller's share is stored, the buyer's is `T_e` minus it, so the shares of a
//! trade sum to `T_e` exactly); parties above `λ·w_i` have excess, parties below have room, and
//! Dinic's algorithm moves shares along trades from excess to room. On a tree (optimal transport
//! plans are forests) a leaf-to-root greedy pass — give every party as much of the trade to its
//! parent as it still has room for — is already a maximum flow, so Dinic only confirms it.
//!
//! Utilities are reported as `λ·w_i` of their level (a ratio of two sums: accurate to a few ulps);
//! the shares reach them up to the flow's round-off, which is far below `1e-12` relative.
//!
//! Ties: all decisions run in input order, so the output is a deterministic function of the input.

use crate::limits::DEFAULT_WEIGHT;

/// One trade of a fixed allocation: its two parties (indices into the weight vector) and the
/// surplus `T_e = S_e · x_e` its price splits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trade {
    pub seller: usize,
    pub buyer: usize,
    pub surplus: f64,
}

/// The Nash split: the seller's share of every trade (the buyer's is `surplus − seller_share`),
/// and every party's utility.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitResult {
    /// Per trade, in `[0, surplus]`.
    pub seller_share: Vec<f64>,
    /// Per party; 0 for parties without a trade of positive surplus.
    pub utility: Vec<f64>,
}

/// Relative tolerance below which a residual (a share that could move, room left at a party) is
/// treated as zero, so that float round-off in the flow cannot split a level in two. Errors it can
/// cause are of the same relative size, far below `NASH_SOLVE_TOL`.
const REL_EPS: f64 = 1e-13;

/// The Nash bargaining split of a fixed allocation: maximises `Σ_{i∈P} w_i log u_i`, where `P`
/// is the set of parties with a trade of positive surplus.
///
/// Preconditions (the engine guarantees them; outside them the function still returns a
/// well-formed result and never panics): weights finite and > 0 (others are read as
/// `DEFAULT_WEIGHT`), surpluses finite and ≥ 0 (others are read as 0), `seller != buyer` (a
/// trade of a party with itself simply goes to that party). A party index beyond `weights`
/// extends the utility vector, with the default weight.
#[must_use]
pub fn nash_split(weights: &[f64], trades: &[Trade]) -> SplitResult {
    let n = trades
        .iter()
        .map(|t| t.seller.max(t.buyer) + 1)
        .max()
        .unwrap_or(0)
        .max(weights.len());
    let w: Vec<f64> = (0..n)
        .map(|i| match weights.get(i) {
            Some(&x) if x.is_finite() && x > 0.0 => x,
            _ => DEFAULT_WEIGHT,
        })
        .collect();
    let surplus: Vec<f64> = trades
        .iter()
        .map(|t| {
            if t.surplus.is_finite() && t.surplus > 0.0 {
                t.surplus
            } else {
                0.0
            }
        })
        .collect();

    let mut solver = Solver {
        w,
        trades,
        surplus,
        seller_share: vec![0.0; trades.len()],
        utility: vec![0.0; n],
        fixed: vec![0.0; n],
        local: vec![usize::MAX; n],
        side: vec![0; n],
    };

    let mut in_p = vec![false; n];
    let mut inner = Vec::new();
    for (e, t) in trades.iter().enumerate() {
        let amount = solver.surplus[e];
        if amount <= 0.0 {
            continue;
        }
        if t.seller == t.buyer {
            solver.seller_share[e] = amount;
            solver.fixed[t.seller] += amount;
        } else {
            inner.push(e);
        }
        in_p[t.seller] = true;
        in_p[t.buyer] = true;
    }
    let parties: Vec<usize> = (0..n).filter(|&i| in_p[i]).collect();
    solver.run(parties, inner);

    SplitResult {
        seller_share: solver.seller_share,
        utility: solver.utility,
    }
}

struct Solver<'a> {
    w: Vec<f64>,
    trades: &'a [Trade],
    surplus: Vec<f64>,
    seller_share: Vec<f64>,
    utility: Vec<f64>,
    /// Income a party already owns: trades to a lower level, and trades with itself.
    fixed: Vec<f64>,
    /// Scratch: global party → index in the current sub-problem.
    local: Vec<usize>,
    /// Scratch: which side of a split a party is on.
    side: Vec<u8>,
}

/// A sub-problem: parties, and the trades with both endpoints among them.
struct Sub {
    parties: Vec<usize>,
    trades: Vec<usize>,
}

impl Solver<'_> {
    fn run(&mut self, parties: Vec<usize>, trades: Vec<usize>) {
        // An explicit stack: the recursion can be as deep as the number of levels.
        let mut stack = vec![Sub { parties, trades }];
        while let Some(sub) = stack.pop() {
            for comp in self.components(sub) {
                if let Some((low, high)) = self.solve_component(&comp) {
                    // Push the higher side first so the lower one is finished first (any order
                    // is correct; this one keeps the stack shallow on chains of levels).
                    stack.push(high);
                    stack.push(low);
                }
            }
        }
    }

    /// Cuts a sub-problem into connected components (in order of first party).
    fn components(&mut self, sub: Sub) -> Vec<Sub> {
        let k = sub.parties.len();
        for (idx, &p) in sub.parties.iter().enumerate() {
            self.local[p] = idx;
        }
        let mut parent: Vec<usize> = (0..k).collect();
        for &e in &sub.trades {
            let a = find(&mut parent, self.local[self.trades[e].seller]);
            let b = find(&mut parent, self.local[self.trades[e].buyer]);
            if a != b {
                // Union by smaller index keeps the result independent of trade order.
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                parent[hi] = lo;
            }
        }
        let mut comp_of = vec![usize::MAX; k];
        let mut comps: Vec<Sub> = Vec::new();
        for idx in 0..k {
            let root = find(&mut parent, idx);
            if comp_of[root] == usize::MAX {
                comp_of[root] = comps.len();
                comps.push(Sub {
                    parties: Vec::new(),
                    trades: Vec::new(),
                });
            }
            comps[comp_of[root]].parties.push(sub.parties[idx]);
        }
        for &e in &sub.trades {
            let root = find(&mut parent, self.local[self.trades[e].seller]);
            comps[comp_of[root]].trades.push(e);
        }
        comps
    }

    /// Solves one connected sub-problem: either it is one level (utilities and shares are
    /// written) or it splits into a lower and a higher sub-problem, returned.
    fn solve_component(&mut self, comp: &Sub) -> Option<(Sub, Sub)> {
        let k = comp.parties.len();
        let wsum: f64 = comp.parties.iter().map(|&p| self.w[p]).sum();
        let fsum: f64 = comp.parties.iter().map(|&p| self.fixed[p]).sum::<f64>()
            + comp.trades.iter().map(|&e| self.surplus[e]).sum::<f64>();
        let lambda = fsum / wsum;
        if k == 1 {
            let p = comp.parties[0];
            self.utility[p] = self.fixed[p];
            return None;
        }
        let mut net = Network::build(self, comp, lambda);
        let reached = net.max_flow();

        let in_high = |idx: usize| reached[idx];
        let n_high = reached.iter().filter(|&&r| r).count();
        if n_high == 0 || n_high == k {
            // One level: everybody gets λ·w, and the flow is the split.
            for &p in &comp.parties {
                self.utility[p] = lambda * self.w[p];
            }
            for (t, &e) in comp.trades.iter().enumerate() {
                self.seller_share[e] = net.share[t].clamp(0.0, self.surplus[e]);
            }
            return None;
        }

        for (idx, &p) in comp.parties.iter().enumerate() {
            self.side[p] = u8::from(in_high(idx));
        }
        let mut low = Sub {
            parties: Vec::new(),
            trades: Vec::new(),
        };
        let mut high = Sub {
            parties: Vec::new(),
            trades: Vec::new(),
        };
        for &p in &comp.parties {
            if self.side[p] == 1 {
                high.parties.push(p);
            } else {
                low.parties.push(p);
            }
        }
        for &e in &comp.trades {
            let Trade { seller, buyer, .. } = self.trades[e];
            match (self.side[seller], self.side[buyer]) {
                (0, 0) => low.trades.push(e),
                (1, 1) => high.trades.push(e),
                (seller_side, _) => {
                    // A trade across levels goes wholly to the lower party.
                    let amount = self.surplus[e];
                    if seller_side == 0 {
                        self.seller_share[e] = amount;
                        self.fixed[seller] += amount;
                    } else {
                        self.seller_share[e] = 0.0;
                        self.fixed[buyer] += amount;
                    }
                }
            }
        }
        Some((low, high))
    }
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// The flow network of one connected sub-problem at ratio `λ`, in excess form.
struct Network {
    /// Per party: `λ·w_i`, the most it may hold.
    cap: Vec<f64>,
    /// Per party: what it holds now (fixed income plus shares).
    recv: Vec<f64>,
    tol_node: Vec<f64>,
    /// Per trade: endpoints (local), surplus, seller's share.
    seller: Vec<usize>,
    buyer: Vec<usize>,
    total: Vec<f64>,
    share: Vec<f64>,
    /// CSR adjacency: for party `i`, `adj[start[i]..start[i+1]]` are its trades.
    start: Vec<usize>,
    adj: Vec<usize>,
    level: Vec<usize>,
    cursor: Vec<usize>,
}

impl Network {
    fn build(solver: &mut Solver<'_>, comp: &Sub, lambda: f64) -> Self {
        let k = comp.parties.len();
        for (idx, &p) in comp.parties.iter().enumerate() {
            solver.local[p] = idx;
        }
        let m = comp.trades.len();
        let mut seller = Vec::with_capacity(m);
        let mut buyer = Vec::with_capacity(m);
        let mut total = Vec::with_capacity(m);
        let mut degree = vec![0usize; k + 1];
        for &e in &comp.trades {
            let s = solver.local[solver.trades[e].seller];
            let b = solver.local[solver.trades[e].buyer];
            seller.push(s);
            buyer.push(b);
            total.push(solver.surplus[e]);
            degree[s] += 1;
            degree[b] += 1;
        }
        let mut start = vec![0usize; k + 1];
        for i in 0..k {
            start[i + 1] = start[i] + degree[i];
        }
        let mut fill = start.clone();
        let mut adj = vec![0usize; start[k]];
        for t in 0..m {
            adj[fill[seller[t]]] = t;
            fill[seller[t]] += 1;
            adj[fill[buyer[t]]] = t;
            fill[buyer[t]] += 1;
        }
        let w: Vec<f64> = comp.parties.iter().map(|&p| solver.w[p]).collect();
        let cap: Vec<f64> = w.iter().map(|&x| lambda * x).collect();
        let tol_node = cap.iter().map(|&c| REL_EPS * c).collect();
        let recv: Vec<f64> = comp.parties.iter().map(|&p| solver.fixed[p]).collect();
        let mut net = Network {
            cap,
            recv,
            tol_node,
            seller,
            buyer,
            total,
            share: vec![0.0; m],
            start,
            adj,
            level: vec![usize::MAX; k],
            cursor: vec![0; k],
        };
        if m + 1 == k {
            net.tree_greedy();
        } else {
            // A start that is exact when the whole component is one level with only internal
            // trades between equal ratios; Dinic fixes the rest.
            for t in 0..m {
                let (ws, wb) = (w[net.seller[t]], w[net.buyer[t]]);
                net.share[t] = net.total[t] * (ws / (ws + wb));
            }
            for t in 0..m {
                net.recv[net.seller[t]] += net.share[t];
                net.recv[net.buyer[t]] += net.total[t] - net.share[t];
            }
        }
        net
    }

    /// Maximum flow on a tree: leaves first, each party takes as much of the trade to its parent
    /// as it has room for, the rest goes up. (Giving a leaf all it can take of its only trade is
    /// never worse: an exchange argument.)
    fn tree_greedy(&mut self) {
        let k = self.cap.len();
        let mut order = Vec::with_capacity(k);
        let mut up_trade = vec![usize::MAX; k];
        let mut seen = vec![false; k];
        seen[0] = true;
        order.push(0);
        let mut head = 0;
        while head < order.len() {
            let i = order[head];
            head += 1;
            for &t in &self.adj[self.start[i]..self.start[i + 1]] {
                let j = if self.seller[t] == i {
                    self.buyer[t]
                } else {
                    self.seller[t]
                };
                if !seen[j] {
                    seen[j] = true;
                    up_trade[j] = t;
                    order.push(j);
                }
            }
        }
        for &i in order.iter().rev() {
            let t = up_trade[i];
            if t == usize::MAX {
                continue;
            }
            let room = self.cap[i] - self.recv[i];
            let take = room.clamp(0.0, self.total[t]);
            let rest = self.total[t] - take;
            let parent = if self.seller[t] == i {
                self.share[t] = take;
                self.buyer[t]
            } else {
                self.share[t] = rest;
                self.seller[t]
            };
            self.recv[i] += take;
            self.recv[parent] += rest;
        }
    }

    /// Share of trade `t` that party `i` holds and could hand to the other endpoint.
    fn residual(&self, t: usize, i: usize) -> f64 {
        if self.seller[t] == i {
            self.share[t]
        } else {
            self.total[t] - self.share[t]
        }
    }

    fn other(&self, t: usize, i: usize) -> usize {
        if self.seller[t] == i {
            self.buyer[t]
        } else {
            self.seller[t]
        }
    }

    fn excess(&self, i: usize) -> f64 {
        self.recv[i] - self.cap[i]
    }

    /// Moves shares until no excess can reach room (Dinic). Returns, per party, whether it is
    /// reachable from remaining excess: exactly the parties with `r_i > λ`.
    fn max_flow(&mut self) -> Vec<bool> {
        let k = self.cap.len();
        // Each phase strictly lengthens the shortest augmenting path, so k + 1 phases suffice;
        // the cap only guards against round-off cycling.
        for _ in 0..=(2 * k + 2) {
            if !self.bfs() {
                break;
            }
            self.cursor.copy_from_slice(&self.start[..k]);
            for x in 0..k {
                if self.level[x] != 0 {
                    continue;
                }
                loop {
                    let ex = self.excess(x);
                    if ex <= self.tol_node[x] {
                        break;
                    }
                    let pushed = self.dfs(x, ex);
                    if pushed <= 0.0 {
                        break;
                    }
                    self.recv[x] -= pushed;
                }
            }
        }
        self.bfs();
        self.level.iter().map(|&l| l != usize::MAX).collect()
    }

    /// Levels from all parties with excess; true if some party with room is reachable.
    fn bfs(&mut self) -> bool {
        let k = self.cap.len();
        self.level.fill(usize::MAX);
        let mut queue = Vec::with_capacity(k);
        for i in 0..k {
            if self.excess(i) > self.tol_node[i] {
                self.level[i] = 0;
                queue.push(i);
            }
        }
        let mut found = false;
        let mut head = 0;
        while head < queue.len() {
            let i = queue[head];
            head += 1;
            for idx in self.start[i]..self.start[i + 1] {
                let t = self.adj[idx];
                let j = self.other(t, i);
                if self.level[j] == usize::MAX && self.residual(t, i) > REL_EPS * self.total[t] {
                    self.level[j] = self.level[i] + 1;
                    if -self.excess(j) > self.tol_node[j] {
                        found = true;
                    }
                    queue.push(j);
                }
            }
        }
        found
    }

    /// Pushes up to `limit` from `i` along level-increasing trades to a party with room.
    fn dfs(&mut self, i: usize, limit: f64) -> f64 {
        let room = -self.excess(i);
        if self.level[i] > 0 && room > self.tol_node[i] {
            let absorbed = limit.min(room);
            self.recv[i] += absorbed;
            return absorbed;
        }
        while self.cursor[i] < self.start[i + 1] {
            let t = self.adj[self.cursor[i]];
            let j = self.other(t, i);
            let res = self.residual(t, i);
            if self.level[j] == self.level[i].wrapping_add(1) && res > REL_EPS * self.total[t] {
                let pushed = self.dfs(j, limit.min(res));
                if pushed > 0.0 {
                    let moved = if self.seller[t] == i {
                        self.share[t] - pushed
                    } else {
                        self.share[t] + pushed
                    };
                    self.share[t] = moved.clamp(0.0, self.total[t]);
                    return pushed;
                }
            }
            self.cursor[i] += 1;
        }
        0.0
    }
}
