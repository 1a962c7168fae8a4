//! Sparse Cholesky factorisation of a symmetric positive (semi-)definite matrix with a fixed
//! nonzero pattern, for the Newton systems of the interior-point Nash solve
//! (`frontier_ipm.rs`).
//!
//! The pattern is analysed once (minimum-degree ordering on the elimination graph, which also
//! yields the pattern of the factor, fill included); every interior-point iteration then only
//! refills the values and refactors numerically. On the sparse edge subsets the Nash stage
//! works on, the factor has a few entries per row, so one factorisation costs about as much as
//! one pass over the matrix, against `m³/3` for a dense one. The last columns of the order often
//! fill in completely (the faces of constrained and defer-swap markets: a dense tail of 117–188
//! of 411 columns on the constrained 300×300 market); those are factored as one dense block.

/// The analysed pattern: elimination order and the column structure of the factor `L`.
#[derive(Debug, Clone)]
pub struct Symbolic {
    m: usize,
    /// `perm[new] = old`.
    perm: Vec<usize>,
    /// `inv[old] = new`.
    inv: Vec<usize>,
    /// Strictly-lower entries of column `j` of `L` are `row[colptr[j]..colptr[j + 1]]`, sorted.
    colptr: Vec<usize>,
    row: Vec<usize>,
    /// For row `i`, the columns `k < i` whose pattern holds `i` (ascending).
    row_cols: Vec<Vec<usize>>,
    /// `same_below[k]`: column `k + 1` holds exactly column `k`'s rows below `k + 1` (the two
    /// belong to one supernode), so below any row both hold, their rows are the same.
    same_below: Vec<bool>,
    /// First column of the dense tail: from it on every column holds every row below it (the
    /// last cliques of a minimum-degree order), and `factor` takes those columns as one dense
    /// block. `m` when the tail is shorter than `DENSE_TAIL_MIN`.
    tail: usize,
}

/// Shortest dense tail worth a dense factor: below it the gathers cost no more than copying.
const DENSE_TAIL_MIN: usize = 8;

/// Storage of one matrix on a `Symbolic` pattern: slots `0..m` are the diagonal (in the
/// elimination order), slot `m + p` the strictly-lower entry `p` of the factor's pattern.
/// Filled with the matrix, it is overwritten in place by the factor.
#[derive(Debug, Clone)]
pub struct Values {
    pub v: Vec<f64>,
}

impl Symbolic {
    /// Analyse an `m × m` symmetric pattern given as index pairs (either triangle, duplicates
    /// allowed; the diagonal is always part of the pattern).
    #[must_use]
    pub fn new(m: usize, pairs: &[(usize, usize)]) -> Self {
        Self::from_cliques(m, pairs.iter().map(|&(a, b)| [a, b]))
    }

    /// Analyse the pattern made of dense blocks: every pair of indices within one clique is
    /// a nonzero. Rank-one terms `h hᵀ` come as cliques; passing them whole keeps the input
    /// at the size of the pattern, not of the (repeated) pairs.
    #[must_use]
    pub fn from_cliques<C, I>(m: usize, cliques: I) -> Self
    where
        C: AsRef<[usize]>,
        I: IntoIterator<Item = C>,
    {
        // Elimination graph as bitsets: m stays in the hundreds to low thousands here, so the
        // m²/64 words are small and a clique merge is a handful of word operations per member.
        let words = m.div_ceil(64);
        let mut adj = vec![0u64; m * words];
        let mut mask = vec![0u64; words];
        let mut members: Vec<usize> = Vec::new();
        for clique in cliques {
            members.clear();
            members.extend(clique.as_ref().iter().copied().filter(|&a| a < m));
            mask.iter_mut().for_each(|w| *w = 0);
            for &a in &members {
                mask[a / 64] |= 1u64 << (a % 64);
            }
            for &a in &members {
                for (wi, &bits) in mask.iter().enumerate() {
                    adj[a * words + wi] |= bits;
                }
            }
        }
        // No self loops.
        for a in 0..m {
            adj[a * words + a / 64] &= !(1u64 << (a % 64));
        }
        let mut alive = vec![u64::MAX; words];
        if !m.is_multiple_of(64) {
            if let Some(last) = alive.last_mut() {
                *last = (1u64 << (m % 64)) - 1;
            }
        }
        let mut degree: Vec<u32> = (0..m)
            .map(|v| {
                adj[v * words..(v + 1) * words]
                    .iter()
                    .map(|w| w.count_ones())
                    .sum()
            })
            .collect();
        let mut eliminated = vec![false; m];
        let mut perm = Vec::with_capacity(m);
        let mut neighbours: Vec<Vec<usize>> = Vec::with_capacity(m);
        let mut clique = vec![0u64; words];
        for _ in 0..m {
            // Minimum degree, lowest index on ties: deterministic.
            let mut best = usize::MAX;
            let mut best_deg = u32::MAX;
            for v in 0..m {
                if !eliminated[v] && degree[v] < best_deg {
                    best = v;
                    best_deg = degree[v];
                }
            }
            if best == usize::MAX {
                break;
            }
            let v = best;
            eliminated[v] = true;
            alive[v / 64] &= !(1u64 << (v % 64));
            let mut nb = Vec::new();
            for (wi, c) in clique.iter_mut().enumerate() {
                *c = adj[v * words + wi] & alive[wi];
                let mut bits = *c;
                while bits != 0 {
                    let t = bits.trailing_zeros() as usize;
                    nb.push(wi * 64 + t);
                    bits &= bits - 1;
                }
            }
            // Eliminating v makes its remaining neighbours a clique.
            for &u in &nb {
                let mut d = 0;
                for wi in 0..words {
                    let mut word = (adj[u * words + wi] | clique[wi]) & alive[wi];
                    if wi == u / 64 {
                        word &= !(1u64 << (u % 64));
                    }
                    adj[u * words + wi] = word;
                    d += word.count_ones();
                }
                degree[u] = d;
            }
            perm.push(v);
            neighbours.push(nb);
        }
        let mut inv = vec![0; m];
        for (new, &old) in perm.iter().enumerate() {
            inv[old] = new;
        }
        let mut colptr = Vec::with_capacity(m + 1);
        let mut row = Vec::new();
        let mut row_cols = vec![Vec::new(); m];
        colptr.push(0);
        for (j, nb) in neighbours.iter().enumerate() {
            let mut rows: Vec<usize> = nb.iter().map(|&u| inv[u]).collect();
            rows.sort_unstable();
            for &r in &rows {
                row_cols[r].push(j);
            }
            row.extend(rows);
            colptr.push(row.len());
        }
        let same_below = (0..m)
            .map(|k| {
                k + 2 <= m
                    && colptr[k] < colptr[k + 1]
                    && row[colptr[k]] == k + 1
                    && row[colptr[k] + 1..colptr[k + 1]] == row[colptr[k + 1]..colptr[k + 2]]
            })
            .collect();
        // Column j of the tail holds the m − 1 − j rows below it; walk back from the last.
        let mut tail = m;
        while tail > 0 && colptr[tail] - colptr[tail - 1] == m - tail {
            tail -= 1;
        }
        if m - tail < DENSE_TAIL_MIN {
            tail = m;
        }
        Self {
            m,
            perm,
            inv,
            colptr,
            row,
            row_cols,
            same_below,
            tail,
        }
    }

    /// Dimension.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.m
    }

    /// Number of slots of a `Values` on this pattern.
    #[must_use]
    pub fn slots(&self) -> usize {
        self.m + self.row.len()
    }

    /// Zeroed storage.
    #[must_use]
    pub fn values(&self) -> Values {
        Values {
            v: vec![0.0; self.slots()],
        }
    }

    /// The slot of entry `(i, j)` (original indices, either order), or `None` when the pair
    /// was not part of the analysed pattern.
    #[must_use]
    pub fn slot(&self, i: usize, j: usize) -> Option<usize> {
        let (a, b) = (*self.inv.get(i)?, *self.inv.get(j)?);
        if a == b {
            return Some(a);
        }
        let (col, r) = if a < b { (a, b) } else { (b, a) };
        let rows = &self.row[self.colptr[col]..self.colptr[col + 1]];
        rows.binary_search(&r)
            .ok()
            .map(|p| self.m + self.colptr[col] + p)
    }

    /// Factor in place (left-looking). A pivot that vanishes against its original diagonal
    /// marks a row dependent on earlier ones (a component whose legs are all fixed has one
    /// redundant row): it gets a huge pivot, which pins that component of the solution to
    /// zero — the row is consistent, so nothing is lost. Returns false on non-finite values.
    #[must_use]
    pub fn factor(&self, values: &mut Values) -> bool {
        let v = &mut values.v;
        if v.len() != self.slots() {
            return false;
        }
        let next = self.factor_columns(v);
        if self.tail < self.m {
            self.factor_tail(v, &next);
        }
        v.iter().all(|x| x.is_finite())
    }

    /// The columns before the dense tail, one by one (left-looking). Returns, per column, the
    /// position of its first entry not yet used as a multiplier: its first entry in the tail.
    fn factor_columns(&self, v: &mut [f64]) -> Vec<usize> {
        let m = self.m;
        let mut work = vec![0.0; m];
        // The gathered rows of a supernode's run (see below).
        let mut run: Vec<f64> = Vec::with_capacity(m);
        // next[k]: position (within column k) of the first entry not yet used as a multiplier.
        let mut next: Vec<usize> = self.colptr[..m].to_vec();
        for j in 0..self.tail {
            let original = v[j];
            let mut d = original;
            for p in self.colptr[j]..self.colptr[j + 1] {
                work[self.row[p]] = v[m + p];
            }
            let cols = &self.row_cols[j];
            let mut i = 0;
            while i < cols.len() {
                // A run of columns of one supernode: below row j they hold the same rows, so
                // those rows of `work` are gathered once, updated by each column in turn over
                // contiguous values, and scattered back — every entry gets the same
                // subtractions in the same order as column by column.
                let mut end = i + 1;
                while end < cols.len()
                    && cols[end] == cols[end - 1] + 1
                    && self.same_below[cols[end - 1]]
                {
                    end += 1;
                }
                let first = cols[i];
                let rows = &self.row[next[first] + 1..self.colptr[first + 1]];
                if end - i == 1 {
                    let p = next[first];
                    let ljk = v[m + p];
                    d -= ljk * ljk;
                    for (&r, &lrk) in rows.iter().zip(&v[m + p + 1..]) {
                        work[r] -= lrk * ljk;
                    }
                    next[first] = p + 1;
                } else {
                    run.clear();
                    run.extend(rows.iter().map(|&r| work[r]));
                    let len = run.len();
                    // Four columns per pass over the run: each entry is loaded and stored once
                    // for four subtractions, still made one after the other in column order.
                    let mut quads = cols[i..end].chunks_exact(4);
                    for quad in &mut quads {
                        let p: [usize; 4] = std::array::from_fn(|t| next[quad[t]]);
                        let l: [f64; 4] = std::array::from_fn(|t| v[m + p[t]]);
                        for lt in l {
                            d -= lt * lt;
                        }
                        let c: [&[f64]; 4] =
                            std::array::from_fn(|t| &v[m + p[t] + 1..m + p[t] + 1 + len]);
                        for ((((w, &a), &b), &e), &f) in
                            run.iter_mut().zip(c[0]).zip(c[1]).zip(c[2]).zip(c[3])
                        {
                            let mut x = *w;
                            x -= a * l[0];
                            x -= b * l[1];
                            x -= e * l[2];
                            x -= f * l[3];
                            *w = x;
                        }
                        for (&k, pt) in quad.iter().zip(p) {
                            next[k] = pt + 1;
                        }
                    }
                    for &k in quads.remainder() {
                        let p = next[k];
                        let ljk = v[m + p];
                        d -= ljk * ljk;
                        for (w, &lrk) in run.iter_mut().zip(&v[m + p + 1..m + p + 1 + len]) {
                            *w -= lrk * ljk;
                        }
                        next[k] = p + 1;
                    }
                    for (&r, &w) in rows.iter().zip(&run) {
                        work[r] = w;
                    }
                }
                i = end;
            }
            // Written so that NaN also lands here.
            if d.is_nan() || d <= 1e-13 * original.abs() || d <= 0.0 {
                d = 1e64;
            }
            let d = d.sqrt();
            v[j] = d;
            for p in self.colptr[j]..self.colptr[j + 1] {
                let r = self.row[p];
                v[m + p] = work[r] / d;
                work[r] = 0.0;
            }
        }
        next
    }

    /// The dense tail of `factor`: its block gathered row-major, the sparse columns' updates
    /// subtracted (each column's entries in the tail, pair by pair, in column order as the
    /// left-looking loop takes them; four columns of one supernode together, the same bits),
    /// then factored as a dense matrix by `dense_chol` (two
    /// pivot columns per pass, as many rows per pass as the processor's registers hold, the
    /// same bits on every build) with `factor`'s pivot rule against the original diagonal.
    /// `next[k]` is the position of column `k`'s first entry in the tail. (Measured on the
    /// benchmark's defer-swap 100×100 market, one solve: 534 → 503 M instructions with the tail
    /// dense, 477 M with the pair loop below; on defer-swap 300×300, the dense part by
    /// `dense_chol` instead of one pivot column per pass, 27% → 17.5% of the perf samples.)
    fn factor_tail(&self, v: &mut [f64], next: &[usize]) {
        let (m, t) = (self.m, self.tail);
        let n = m - t;
        // Tail column j's entries are the rows j + 1.. in order: slot of (t + b, t + a), b > a.
        let at = |a: usize, b: usize| m + self.colptr[t + a] + (b - a - 1);
        let mut block = vec![0.0; n * n];
        for a in 0..n {
            block[a * n + a] = v[t + a];
            for b in a + 1..n {
                block[b * n + a] = v[at(a, b)];
            }
        }
        // The sparse columns' updates, pair by pair in column order as the left-looking loop
        // takes them: each column's entries in the tail are a run of `row`, so the run's local
        // rows and values are taken once and the pairs walk them as slices. (All of them as one
        // dense product `B Bᵀ` was slower: `B` is about a quarter full, measured.)
        let mut local: Vec<usize> = Vec::with_capacity(n);
        let mut k = 0;
        while k < t {
            let entries = next[k]..self.colptr[k + 1];
            if entries.is_empty() {
                k += 1;
                continue;
            }
            local.clear();
            local.extend(self.row[entries.clone()].iter().map(|&r| r - t));
            let len = local.len();
            // Four columns of one supernode hold the same tail rows: each entry of the block is
            // then loaded and stored once for their four subtractions, made in column order.
            if k + 4 <= t && (k..k + 3).all(|c| self.same_below[c]) {
                let c: [&[f64]; 4] =
                    std::array::from_fn(|q| &v[m + next[k + q]..m + next[k + q] + len]);
                for (c1, &r1) in local.iter().enumerate() {
                    let out = &mut block[r1 * n..(r1 + 1) * n];
                    let l1: [f64; 4] = std::array::from_fn(|q| c[q][c1]);
                    for ((((&r2, &a), &b), &e), &f) in
                        local[..=c1].iter().zip(c[0]).zip(c[1]).zip(c[2]).zip(c[3])
                    {
                        if let Some(o) = out.get_mut(r2) {
                            let mut x = *o;
                            x -= l1[0] * a;
                            x -= l1[1] * b;
                            x -= l1[2] * e;
                            x -= l1[3] * f;
                            *o = x;
                        }
                    }
                }
                k += 4;
                continue;
            }
            let vals = &v[m + entries.start..m + entries.end];
            for (c1, (&r1, &l1)) in local.iter().zip(vals).enumerate() {
                let out = &mut block[r1 * n..(r1 + 1) * n];
                for (&r2, &l2) in local[..=c1].iter().zip(&vals[..=c1]) {
                    if let Some(o) = out.get_mut(r2) {
                        *o -= l1 * l2;
                    }
                }
            }
            k += 1;
        }
        // The block factored as a dense matrix (`dense_chol`: two pivot columns per pass over
        // the rows below), its pivots judged against the original diagonal — `v`'s tail slots
        // still hold it; they are only written back below — with `factor`'s huge value.
        crate::dense_chol::factor_with(
            n,
            &mut block,
            crate::dense_chol::Pivots {
                reference: Some(&v[t..m]),
                huge: 1e64,
            },
        );
        for a in 0..n {
            v[t + a] = block[a * n + a];
            for b in a + 1..n {
                v[at(a, b)] = block[b * n + a];
            }
        }
    }

    /// Solve `L Lᵀ y = rhs` in place with a factor from `factor`.
    pub fn solve(&self, values: &Values, rhs: &mut [f64]) {
        self.solve_slice(&values.v, rhs);
    }

    /// `solve` on the factor's raw values.
    pub fn solve_slice(&self, v: &[f64], rhs: &mut [f64]) {
        let m = self.m;
        let mut y: Vec<f64> = self.perm.iter().map(|&o| rhs[o]).collect();
        for j in 0..m {
            y[j] /= v[j];
            let yj = y[j];
            for p in self.colptr[j]..self.colptr[j + 1] {
                y[self.row[p]] -= v[m + p] * yj;
            }
        }
        for j in (0..m).rev() {
            let mut s = y[j];
            for p in self.colptr[j]..self.colptr[j + 1] {
                s -= v[m + p] * y[self.row[p]];
            }
            y[j] = s / v[j];
        }
        for (new, &old) in self.perm.iter().enumerate() {
            rhs[old] = y[new];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A random sparse SPD matrix (arrowhead plus a band plus random pairs), dense copy too.
    fn matrix(m: usize, seed: u64) -> (Vec<(usize, usize)>, Vec<f64>) {
        let mut state = crate::test_rng::states(seed);
        let mut next = || (state() >> 33) as usize;
        let mut pairs = Vec::new();
        for i in 1..m {
            pairs.push((i, 0));
            pairs.push((i, i - 1));
            pairs.push((i, next() % i));
        }
        let mut dense = vec![0.0; m * m];
        for &(i, j) in &pairs {
            let a = ((next() % 1000) as f64 / 500.0) - 1.0;
            dense[i * m + j] += a;
            dense[j * m + i] += a;
        }
        for i in 0..m {
            let row: f64 = (0..m).map(|j| dense[i * m + j].abs()).sum();
            dense[i * m + i] = row + 1.0;
        }
        (pairs, dense)
    }

    /// Storage on `sym`'s pattern holding the lower triangle of the row-major `dense`.
    fn values_of(sym: &Symbolic, dense: &[f64]) -> Values {
        let m = sym.dim();
        let mut vals = sym.values();
        for i in 0..m {
            for j in 0..=i {
                if dense[i * m + j] != 0.0 {
                    let slot = sym.slot(i, j).expect("pattern holds every entry");
                    vals.v[slot] = dense[i * m + j];
                }
            }
        }
        vals
    }

    /// `A x` for the row-major `m × m` matrix `a`.
    fn times(a: &[f64], x: &[f64]) -> Vec<f64> {
        let m = x.len();
        (0..m)
            .map(|i| (0..m).map(|j| a[i * m + j] * x[j]).sum())
            .collect()
    }

    #[test]
    fn solves_sparse_spd_systems() {
        for (m, seed) in [(1, 1), (2, 2), (7, 3), (40, 4), (130, 5)] {
            let (pairs, dense) = matrix(m, seed);
            let sym = Symbolic::new(m, &pairs);
            let mut vals = values_of(&sym, &dense);
            assert!(sym.factor(&mut vals));
            let x: Vec<f64> = (0..m).map(|i| (i as f64 * 0.37).sin()).collect();
            let mut b = times(&dense, &x);
            sym.solve(&vals, &mut b);
            for i in 0..m {
                assert!(
                    (b[i] - x[i]).abs() < 1e-10,
                    "m={m} i={i}: {} vs {}",
                    b[i],
                    x[i]
                );
            }
        }
    }

    /// The runs of a supernode's columns (gathered once, updated over contiguous values, four
    /// per pass; and four at a time into the dense tail) must give the bits of the same columns
    /// taken one by one, on patterns made of overlapping cliques as the interior point's Newton
    /// matrices are.
    #[test]
    fn supernode_runs_give_the_bits_of_column_by_column() {
        let mut runs_used = 0;
        for (m, seed) in [(60, 21), (200, 22), (400, 23)] {
            let mut state = crate::test_rng::states(seed);
            let mut next = || (state() >> 33) as usize;
            let cliques: Vec<Vec<usize>> = (0..m / 2)
                .map(|_| {
                    let size = 2 + next() % 6;
                    let start = next() % m;
                    (0..size)
                        .map(|k| (start + k * (1 + next() % 9)) % m)
                        .collect()
                })
                .chain((1..m).map(|i| vec![i - 1, i]))
                .collect();
            let mut pairs = Vec::new();
            for c in &cliques {
                for (k, &a) in c.iter().enumerate() {
                    pairs.extend(c[k + 1..].iter().filter(|&&b| b != a).map(|&b| (a, b)));
                }
            }
            let sym = Symbolic::from_cliques(m, &cliques);
            runs_used += (0..sym.tail)
                .filter(|&j| {
                    sym.row_cols[j]
                        .windows(2)
                        .any(|w| w[1] == w[0] + 1 && sym.same_below[w[0]])
                })
                .count();
            let mut one_by_one = sym.clone();
            one_by_one.same_below.iter_mut().for_each(|s| *s = false);
            let dense = dominant(m, &pairs, 1.0);
            let (mut a, mut b) = (values_of(&sym, &dense), values_of(&one_by_one, &dense));
            assert!(sym.factor(&mut a) && one_by_one.factor(&mut b));
            let bits = |v: &Values| v.v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
            assert_eq!(bits(&a), bits(&b), "m = {m}");
            let x: Vec<f64> = (0..m).map(|i| (i as f64 * 0.37).sin()).collect();
            let mut rhs = times(&dense, &x);
            sym.solve(&a, &mut rhs);
            assert!(
                rhs.iter().zip(&x).all(|(y, x)| (y - x).abs() < 1e-9),
                "m = {m}"
            );
        }
        assert!(
            runs_used > 50,
            "the patterns must have runs to take ({runs_used})"
        );
    }

    #[test]
    fn a_tree_has_no_fill() {
        // A star: minimum degree eliminates the leaves first, so L has exactly the star's
        // entries (a bad order, centre first, would fill the whole matrix).
        let m = 50;
        let pairs: Vec<(usize, usize)> = (1..m).map(|i| (0, i)).collect();
        let sym = Symbolic::new(m, &pairs);
        assert_eq!(sym.slots(), m + (m - 1));
        assert!(sym.slot(1, 2).is_none());
        assert!(sym.slot(0, 7).is_some());
    }

    #[test]
    fn cliques_and_their_pairs_give_the_same_pattern() {
        let cliques = [
            vec![0, 3, 5, 9],
            vec![1, 2],
            vec![2, 7, 9],
            vec![4, 6, 8, 10, 11],
        ];
        let mut pairs = Vec::new();
        for c in &cliques {
            for (k, &a) in c.iter().enumerate() {
                for &b in &c[k + 1..] {
                    pairs.push((b, a));
                }
            }
        }
        let from_pairs = Symbolic::new(12, &pairs);
        let from_cliques = Symbolic::from_cliques(12, &cliques);
        assert_eq!(from_pairs.slots(), from_cliques.slots());
        for i in 0..12 {
            for j in 0..12 {
                assert_eq!(
                    from_pairs.slot(i, j).is_some(),
                    from_cliques.slot(i, j).is_some(),
                    "({i}, {j})"
                );
            }
        }
        assert!(from_cliques.slot(4, 11).is_some());
        assert!(from_cliques.slot(0, 1).is_none());
    }

    /// An arrowhead on `0..hub` (hub 0) joined to a dense block on `hub..m`, each block row also
    /// tied to row `attach(i)` of the arrowhead.
    fn arrowhead_and_block(
        m: usize,
        hub: usize,
        attach: fn(usize) -> usize,
    ) -> Vec<(usize, usize)> {
        let mut pairs: Vec<(usize, usize)> = (1..hub).map(|i| (i, 0)).collect();
        for i in hub..m {
            for j in hub..i {
                pairs.push((i, j));
            }
            pairs.push((i, attach(i)));
        }
        pairs
    }

    /// A symmetric matrix on `pairs` with entries in [−1, 1) and a diagonal `extra` above its
    /// row's absolute sum (positive definite), the full matrix row-major.
    fn dominant(m: usize, pairs: &[(usize, usize)], extra: f64) -> Vec<f64> {
        let mut dense = vec![0.0; m * m];
        for (k, &(i, j)) in pairs.iter().enumerate() {
            let a = ((k * 7919) % 1000) as f64 / 500.0 - 1.0;
            dense[i * m + j] = a;
            dense[j * m + i] = a;
        }
        for i in 0..m {
            let row: f64 = (0..m).map(|j| dense[i * m + j].abs()).sum();
            dense[i * m + i] = row + extra;
        }
        dense
    }

    /// A pattern whose last columns fill in completely takes the dense tail; its factor
    /// solves the system, and a row that depends on others inside the tail is pinned there as
    /// it is in the column loop.
    #[test]
    fn the_dense_tail_solves_and_pins_a_dependent_row() {
        // An arrowhead on 0..20 (hub 0, eliminated last) joined to a dense block on 20..32.
        let m = 32;
        let pairs = arrowhead_and_block(m, 20, |_| 0);
        let sym = Symbolic::new(m, &pairs);
        assert!(m - sym.tail >= DENSE_TAIL_MIN, "tail of {}", m - sym.tail);
        let dense = dominant(m, &pairs, 1.0);
        let mut vals = values_of(&sym, &dense);
        assert!(sym.factor(&mut vals));
        let x: Vec<f64> = (0..m).map(|i| (i as f64 * 0.61).cos()).collect();
        let mut b = times(&dense, &x);
        sym.solve(&vals, &mut b);
        for i in 0..m {
            assert!((b[i] - x[i]).abs() < 1e-10, "i={i}: {} vs {}", b[i], x[i]);
        }
        // Row and column 31 made a combination of 29 and 30 (`S = Cᵀ D C` with C the identity
        // but for row 31): singular, with rounding left in the last pivot, which the pivot
        // rule pins, so a consistent right-hand side still solves.
        let mut c = vec![0.0; m * m];
        for i in 0..m {
            c[i * m + i] = 1.0;
        }
        c[31 * m + 31] = 0.0;
        c[31 * m + 29] = 0.3;
        c[31 * m + 30] = 0.7;
        let mut singular = vec![0.0; m * m];
        for i in 0..m {
            for j in 0..m {
                singular[i * m + j] = (0..m)
                    .flat_map(|k| (0..m).map(move |l| (k, l)))
                    .map(|(k, l)| c[i * m + k] * dense[k * m + l] * c[j * m + l])
                    .sum();
            }
        }
        let mut vals = values_of(&sym, &singular);
        assert!(sym.factor(&mut vals));
        // A pinned pivot is `√1e64`.
        assert!(vals.v[..m].iter().any(|&d| d >= 1e30), "a pivot was pinned");
        let mut b = times(&singular, &x);
        let want = b.clone();
        sym.solve(&vals, &mut b);
        let back = times(&singular, &b);
        for i in 0..m {
            assert!(
                (back[i] - want[i]).abs() < 1e-8,
                "row {i}: {} vs {}",
                back[i],
                want[i]
            );
        }
    }

    #[test]
    fn dependent_row_is_pinned_not_fatal() {
        // Rank-deficient: rows 0 and 1 identical.
        let pairs = [(0, 1)];
        let sym = Symbolic::new(2, &pairs);
        let mut vals = sym.values();
        for (i, j, a) in [(0, 0, 1.0), (1, 1, 1.0), (0, 1, 1.0)] {
            let s = sym.slot(i, j).expect("in pattern");
            vals.v[s] = a;
        }
        assert!(sym.factor(&mut vals));
        let mut b = vec![2.0, 2.0];
        sym.solve(&vals, &mut b);
        assert!((b[0] + b[1] - 2.0).abs() < 1e-9, "{b:?}");
    }
}
