"""A primal active-set method for the Nash stage on plain grids, measured against the interior point.

Research code, not part of the build or of CI. It reproduces the counts in
`docs/nash-stage-performance.md` ("An active-set finish, and the interior point's iteration
count", eleventh session). Needs Python 3.11 with numpy, scipy, cvxpy (with Clarabel) and highspy:

    pip install numpy scipy cvxpy highspy
    node -e "process.stdout.write(JSON.stringify(require('./benchmarks/dist/generator.js') \
        .generateChallenge('plain',{sellers:100,buyers:100},1)))" > /tmp/p100.json
    python3 docs/research/nash_active_set.py /tmp/p100.json --start-tol 1e-3

For every resource of a plain challenge (one component of its welfare face) it prints:
- Clarabel's iterations on the pair program to tolerance 1e-10 (`--clarabel`), the yardstick
  for `bipartite_ipm.rs`'s iteration counts;
- the active-set method's work from a start near the answer: Clarabel stopped at `--start-tol`,
  then a basic solution (HiGHS) of the legs with each utility at least Clarabel's, so that
  the start is sparse, as the exchange moves of `sparse_finish.rs` would make it.

The pair program is the one `bipartite_ipm.rs` solves: per seller-buyer pair two owner arcs
(the trade's surplus to the seller, or to the buyer), every leg total fixed, maximise
`Σ w log u`. The active-set method keeps a working set of arcs; each step is Newton's step on
the working set's equality-constrained program (a proximal term `δ‖d‖²` for the degenerate
top level), cut by a ratio test (the arc that reaches zero leaves) and by an Armijo test; once
the step's stationarity residual is small, every arc outside is priced by the leg multipliers
and the most profitable one enters.
"""

import argparse
import json

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spl


def components(path):
    """Per resource: sellers (cost, traded quantity, weight), buyers (value, traded, weight)."""
    challenge = json.load(open(path))
    by_resource = {}
    for p in challenge["parties"]:
        by_resource.setdefault(p["resource"], []).append(p)
    out = []
    for resource, parties in sorted(by_resource.items()):
        sellers = sorted(
            (p["price"]["min"], p["quantity"]["available"], p.get("weight", 1.0))
            for p in parties
            if p["intent"] == "sell"
        )
        buyers = sorted(
            ((p["price"]["max"], p["quantity"]["max"], p.get("weight", 1.0))
             for p in parties if p["intent"] == "buy"),
            reverse=True,
        )
        # The competitive allocation: cheapest sellers against the highest buyers.
        left_s = [s[1] for s in sellers]
        left_b = [b[1] for b in buyers]
        traded_s = [0.0] * len(sellers)
        traded_b = [0.0] * len(buyers)
        i = j = 0
        while i < len(sellers) and j < len(buyers) and sellers[i][0] < buyers[j][0]:
            t = min(left_s[i], left_b[j])
            traded_s[i] += t
            traded_b[j] += t
            left_s[i] -= t
            left_b[j] -= t
            if left_s[i] == 0:
                i += 1
            if left_b[j] == 0:
                j += 1
        s = np.array([(c, t, w) for (c, _, w), t in zip(sellers, traded_s) if t > 0])
        b = np.array([(v, t, w) for (v, _, w), t in zip(buyers, traded_b) if t > 0])
        out.append((resource, s, b))
    return out


class Grid:
    """The pair program of one component: variable k < P is pair k's seller-owned arc, k ≥ P
    its buyer-owned arc (pair k = seller k // nb, buyer k % nb)."""

    def __init__(self, sellers, buyers):
        self.ns, self.nb = len(sellers), len(buyers)
        scale = max(sellers[:, 1].max(), buyers[:, 1].max())
        surplus = (buyers[None, :, 0] - sellers[:, None, 0]).ravel()
        self.P = self.ns * self.nb
        self.m = self.ns + self.nb
        seller_row = np.repeat(np.arange(self.ns), self.nb)
        buyer_row = self.ns + np.tile(np.arange(self.nb), self.ns)
        self.owner = np.concatenate([seller_row, buyer_row])
        self.coef = np.concatenate([surplus, surplus])
        self.row_s = np.concatenate([seller_row, seller_row])
        self.row_b = np.concatenate([buyer_row, buyer_row])
        self.w = np.concatenate([sellers[:, 2], buyers[:, 2]])
        self.b = np.concatenate([sellers[:, 1], buyers[:, 1]]) / scale
        n = 2 * self.P
        self.C = sp.csr_matrix((self.coef, (self.owner, np.arange(n))), shape=(self.m, n))
        self.A = sp.csr_matrix(
            (np.ones(2 * n), (np.concatenate([self.row_s, self.row_b]), np.tile(np.arange(n), 2))),
            shape=(self.m, n),
        )

    def utilities(self, x):
        return self.C @ x

    def rows(self, x):
        return self.A @ x

    def objective(self, x):
        u = self.utilities(x)
        return (self.w * np.log(u)).sum() if (u > 0).all() else -np.inf


def clarabel(grid, tol):
    """The pair program by Clarabel (exponential cones) to `tol`: (x, iterations)."""
    import cvxpy as cp

    x = cp.Variable(2 * grid.P, nonneg=True)
    problem = cp.Problem(cp.Maximize(grid.w @ cp.log(grid.C @ x)), [grid.A @ x == grid.b])
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=tol, tol_gap_rel=tol, tol_feas=tol, max_iter=200)
    return np.maximum(x.value, 0), problem.solver_stats.num_iters


def sparse_start(grid, u):
    """A basic solution of `A x = b, C x + s ≥ u, x, s ≥ 0` minimising `Σ (w/u) s` (HiGHS)."""
    import highspy

    n, m = 2 * grid.P, grid.m
    matrix = sp.vstack(
        [sp.hstack([grid.A, sp.csr_matrix((m, m))]), sp.hstack([grid.C, sp.identity(m)])]
    ).tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n + m, 2 * m
    lp.col_cost_ = np.concatenate([np.zeros(n), grid.w / u])
    lp.col_lower_, lp.col_upper_ = np.zeros(n + m), np.full(n + m, np.inf)
    lp.row_lower_ = np.concatenate([grid.b, u])
    lp.row_upper_ = np.concatenate([grid.b, np.full(m, np.inf)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_ = matrix.indptr, matrix.indices
    lp.a_matrix_.value_ = matrix.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    h.run()
    return np.maximum(np.array(h.getSolution().col_value)[:n], 0)


def active_set(grid, x, delta=1e-6, price_below=1e-11, max_steps=3000):
    """The active-set method from a feasible `x`; returns (x, counts)."""
    working = set(np.nonzero(x > 0)[0].tolist())
    keep = np.arange(grid.m - 1)  # one leg row is redundant (Σ seller legs = Σ buyer legs)
    counts = {"steps": 0, "entered": 0, "left": 0, "converged": False}
    for _ in range(max_steps):
        counts["steps"] += 1
        w_idx = np.array(sorted(working))
        n_w = len(w_idx)
        u = grid.utilities(x)
        pi = grid.w / u
        g = pi[grid.owner] * grid.coef
        cw = grid.C[:, w_idx]
        h = (cw.T @ sp.diags(grid.w / u**2) @ cw).tocsr()
        h = h + sp.identity(n_w) * delta * h.diagonal().max()
        a = grid.A[:, w_idx][keep]
        kkt = sp.bmat([[h, a.T], [a, None]]).tocsc()
        rhs = np.concatenate([g[w_idx], (grid.b - grid.rows(x))[keep]])
        sol = spl.spsolve(kkt, rhs)
        d = sol[:n_w]
        lam = np.zeros(grid.m)
        lam[keep] = sol[n_w:]
        stationarity = np.abs(h @ d).max() / np.abs(g[w_idx]).max()
        reduced = g - lam[grid.row_s] - lam[grid.row_b]
        reduced[w_idx] = -np.inf
        best = int(reduced.argmax())
        priced_in = reduced[best] > 1e-12 * pi.max() * grid.coef.max()
        if stationarity <= price_below:
            if not priced_in:
                counts["converged"] = True
                return x, counts
            working.add(best)
            counts["entered"] += 1
            continue
        falling = d < 0
        t_max = np.min(-x[w_idx][falling] / d[falling]) if falling.any() else np.inf
        t = min(1.0, t_max)
        f0 = grid.objective(x)
        while True:
            trial = x.copy()
            trial[w_idx] = np.maximum(trial[w_idx] + t * d, 0)
            if grid.objective(trial) >= f0 - 1e-15 * abs(f0) or t < 1e-12:
                break
            t *= 0.5
        x = trial
        if t == t_max:
            for k in w_idx[falling & (x[w_idx] <= 1e-15)]:
                working.discard(int(k))
                x[k] = 0
                counts["left"] += 1
    return x, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("challenge")
    parser.add_argument("--start-tol", type=float, default=1e-3)
    parser.add_argument("--clarabel", action="store_true", help="also Clarabel's count at 1e-10")
    parser.add_argument("--max-steps", type=int, default=3000)
    parser.add_argument(
        "--reduced-profits", action="store_true",
        help="for a converged component, how far each arc's reduced profit is from tight",
    )
    parser.add_argument(
        "--price-below", type=float, default=1e-11,
        help="stationarity residual (relative) below which arcs are priced",
    )
    args = parser.parse_args()
    for resource, sellers, buyers in components(args.challenge):
        grid = Grid(sellers, buyers)
        line = f"{resource}: {grid.ns}x{grid.nb}"
        if args.clarabel:
            try:
                line += f", Clarabel at 1e-10: {clarabel(grid, 1e-10)[1]} iterations"
            except Exception as e:  # cvxpy raises SolverError when Clarabel stops inaccurate
                line += f", Clarabel at 1e-10: {type(e).__name__}"
        try:
            loose, iterations = clarabel(grid, args.start_tol)
        except Exception as e:  # as above
            print(f"{line}; start: Clarabel at {args.start_tol}: {type(e).__name__}", flush=True)
            continue
        start = sparse_start(grid, grid.utilities(loose))
        x, counts = active_set(grid, start, price_below=args.price_below, max_steps=args.max_steps)
        line += (
            f"; start: Clarabel {iterations} iterations, {int((start > 0).sum())} arcs; "
            f"active set: {counts['steps']} Newton steps, {counts['entered']} entered, "
            f"{counts['left']} left, converged {counts['converged']}"
        )
        if args.reduced_profits and counts["converged"]:
            line += "; reduced profits below tight: " + reduced_profit_histogram(grid, x)
        print(line, flush=True)


def reduced_profit_histogram(grid, x):
    """How many arcs lie at each distance below tight (reduced profit relative to the largest
    profit `max π · max S`), with the leg prices fitted on the answer's support."""
    support = np.nonzero(x > 0)[0]
    pi = grid.w / grid.utilities(x)
    profit = pi[grid.owner] * grid.coef
    lam = np.linalg.lstsq(grid.A[:, support].T.toarray(), profit[support], rcond=None)[0]
    below = -(profit - lam[grid.row_s] - lam[grid.row_b]) / (pi.max() * grid.coef.max())
    edges = [-np.inf, 1e-12, 1e-9, 1e-6, 1e-4, 1e-2, np.inf]
    counts = np.histogram(below, bins=edges)[0]
    names = ["<1e-12 (tight)", "1e-12..1e-9", "1e-9..1e-6", "1e-6..1e-4", "1e-4..1e-2", ">1e-2"]
    return ", ".join(f"{name} {int(k)}" for name, k in zip(names, counts))


if __name__ == "__main__":
    main()
