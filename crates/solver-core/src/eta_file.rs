//! The basis inverse of the general simplex (`lp.rs`) in product form: `B⁻¹ = E_k ⋯ E_1`, each
//! `E` the identity but for one column (an "eta"), kept sparse.
//!
//! Why: the bases of the LPs NASH solves are nearly networks. A basic edge column has two
//! nonzeros (its supply and demand legs), plus one per swap ratio it enters; the basis is a
//! spanning forest with a few ratio rows across it. A dense explicit inverse costs `m²` per
//! pivot and `2m³` per rebuild whatever the structure (on the defer-swap 300×300 market, 585
//! and 678 rows: 31 µs a pivot, 5–13 ms a rebuild, 2,000–2,600 pivots for a cold solve).
//! In product form a pivot costs the nonzeros of its eta (the entering column's path through
//! the forest), and a rebuild that takes leaf rows first (`rebuild`) creates no fill on the
//! forest: only the bump the ratio rows leave is factored with pivoting.
//!
//! An eta `E` with pivot row `r` and column `α` (the entering column in the current basis's
//! coordinates) replaces basis position `r`: `(E x)_r = x_r / α_r`, `(E x)_k = x_k − α_k (E x)_r`.

/// `B⁻¹` as a product of etas, the first applied first.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct EtaFile {
    m: usize,
    /// Per eta: its pivot row, its pivot `α_r`, and its other nonzeros at
    /// `idx[start[e]..start[e + 1]]` / `val[..]` (`α_k`, `k ≠ r`).
    row: Vec<usize>,
    pivot: Vec<f64>,
    start: Vec<usize>,
    idx: Vec<usize>,
    val: Vec<f64>,
    /// Nonzeros right after the last rebuild: the rebuild policy compares the growth to it.
    rebuilt_len: usize,
}

/// A basis whose columns are (numerically) dependent: no pivot of at least this size is left.
const SINGULAR: f64 = 1e-11;
/// A leaf row's pivot is taken when it is at least this share of the largest candidate in the
/// column (threshold pivoting: sparsity first, unless the pivot would be small).
const LEAF_THRESHOLD: f64 = 0.01;

impl EtaFile {
    /// The identity (no eta) on `m` rows.
    pub(crate) fn identity(m: usize) -> Self {
        Self {
            m,
            row: Vec::new(),
            pivot: Vec::new(),
            start: vec![0],
            idx: Vec::new(),
            val: Vec::new(),
            rebuilt_len: 0,
        }
    }

    /// Etas appended since the last rebuild hold this many nonzeros more than the file had
    /// then.
    pub(crate) fn growth(&self) -> usize {
        self.idx.len() + self.row.len() - self.rebuilt_len
    }

    /// `x ← B⁻¹ x`.
    pub(crate) fn ftran(&self, x: &mut [f64]) {
        for e in 0..self.row.len() {
            let r = self.row[e];
            let xr = x[r];
            if xr == 0.0 {
                continue;
            }
            let t = xr / self.pivot[e];
            x[r] = t;
            for p in self.start[e]..self.start[e + 1] {
                x[self.idx[p]] -= self.val[p] * t;
            }
        }
    }

    /// `y ← B⁻ᵀ y` (so that `yᵀ` becomes `yᵀ B⁻¹`).
    pub(crate) fn btran(&self, y: &mut [f64]) {
        for e in (0..self.row.len()).rev() {
            let r = self.row[e];
            let mut s = y[r];
            for p in self.start[e]..self.start[e + 1] {
                s -= self.val[p] * y[self.idx[p]];
            }
            y[r] = s / self.pivot[e];
        }
    }

    /// Append the eta of a pivot on row `r` whose column, in the current basis's coordinates,
    /// has the nonzeros `entries` (`(row, value)`; the pivot is the entry in row `r`).
    fn push_entries(&mut self, r: usize, entries: impl IntoIterator<Item = (usize, f64)>) {
        self.row.push(r);
        let mut pivot = 0.0;
        for (k, a) in entries {
            if k == r {
                pivot += a;
            } else if a != 0.0 {
                self.idx.push(k);
                self.val.push(a);
            }
        }
        self.pivot.push(pivot);
        self.start.push(self.idx.len());
    }

    /// Append the eta of a pivot on row `r` with the entering column `alpha` (in the current
    /// basis's coordinates, `B⁻¹ a`).
    pub(crate) fn push(&mut self, r: usize, alpha: &[f64]) {
        self.push_entries(r, alpha.iter().copied().enumerate());
    }

    /// The product form of the basis whose columns are `columns` (sparse `(row, value)`
    /// lists): the etas and, per column, the row (basis position) it was pivoted on. `None`
    /// when the columns are dependent.
    ///
    /// Order: repeatedly a column that is the last one left in some row (a leaf of the forest
    /// the edge columns make, or a logical alone in its row), pivoted on that row; when all its
    /// entries are in rows not pivoted on yet — on a forest, always — it meets no earlier eta
    /// and enters the file as it is, without fill. When no row has one column left (the ratio
    /// rows join the forest's trees into cycles), the column with the fewest entries in rows
    /// still free (a logical first) is transformed and pivoted on its largest entry there. A
    /// leaf's pivot below `LEAF_THRESHOLD` of the column's largest free entry waits for that
    /// second phase. Deterministic: ties go to the lowest index.
    ///
    /// Every entry must be nonzero and name a row below `m` (the simplex's compressed columns
    /// and logicals are).
    pub(crate) fn rebuild(m: usize, columns: &[Vec<(usize, f64)>]) -> Option<(Self, Vec<usize>)> {
        debug_assert!(columns.iter().flatten().all(|&(i, a)| i < m && a != 0.0));
        let n = columns.len();
        let mut in_row: Vec<Vec<usize>> = vec![Vec::new(); m];
        for (c, col) in columns.iter().enumerate() {
            for &(i, _) in col {
                in_row[i].push(c);
            }
        }
        let mut b = Rebuild {
            columns,
            file: Self::identity(m),
            place: vec![usize::MAX; n],
            free_row: vec![true; m],
            left: in_row.iter().map(Vec::len).collect(),
            alpha: vec![0.0; m],
        };
        let mut deferred = vec![false; n];
        // Rows that may be leaves (one column left): every row is checked once at the start,
        // then each row whose count drops to one is pushed; a popped row is checked again.
        let mut leaves: Vec<usize> = (0..m).rev().filter(|&i| b.left[i] == 1).collect();
        let mut pivots = 0;
        while pivots < n {
            let mut leaf = None;
            while let Some(i) = leaves.pop() {
                if !b.free_row[i] || b.left[i] != 1 {
                    continue;
                }
                if let Some(&c) = in_row[i].iter().find(|&&c| !b.pivoted(c)) {
                    if !deferred[c] {
                        leaf = Some((i, c));
                        break;
                    }
                }
            }
            if let Some((r, c)) = leaf {
                // A column all of whose entries are in free rows meets no eta's pivot row: in
                // the current coordinates it is itself, and goes into the file as it is.
                let untouched = columns[c].iter().all(|&(i, _)| b.free_row[i]);
                let (big, at_r) = if untouched {
                    let big = columns[c].iter().fold(0.0_f64, |x, &(_, a)| x.max(a.abs()));
                    let at_r: f64 = columns[c]
                        .iter()
                        .filter(|&&(i, _)| i == r)
                        .map(|&(_, a)| a)
                        .sum();
                    (big, at_r)
                } else {
                    (b.transform(c), b.alpha[r])
                };
                let acceptable = big > SINGULAR && at_r.abs() >= LEAF_THRESHOLD * big;
                if !acceptable {
                    deferred[c] = true;
                    continue;
                }
                b.pivot(c, r, !untouched);
                // Rows this pivot left with one column are leaves now.
                leaves.extend(
                    columns[c]
                        .iter()
                        .map(|&(i, _)| i)
                        .filter(|&i| b.free_row[i] && b.left[i] == 1),
                );
            } else {
                // The bump: the column with the fewest entries in free rows, on its largest
                // one. Deferred leaves get another chance after it.
                let c = (0..n)
                    .filter(|&c| !b.pivoted(c))
                    .min_by_key(|&c| columns[c].iter().filter(|&&(i, _)| b.free_row[i]).count())?;
                let big = b.transform(c);
                if big <= SINGULAR {
                    return None;
                }
                let r = (0..m).find(|&i| b.free_row[i] && b.alpha[i].abs() == big)?;
                b.pivot(c, r, true);
                deferred.fill(false);
                // Rows this pivot left with one column are leaves now, with every other leaf.
                leaves.extend((0..m).rev().filter(|&i| b.free_row[i] && b.left[i] == 1));
            }
            pivots += 1;
        }
        let mut file = b.file;
        file.rebuilt_len = file.idx.len() + file.row.len();
        Some((file, b.place))
    }
}

/// The state of `EtaFile::rebuild`.
struct Rebuild<'a> {
    columns: &'a [Vec<(usize, f64)>],
    file: EtaFile,
    /// Per column, the row it was pivoted on (`usize::MAX`: not yet).
    place: Vec<usize>,
    free_row: Vec<bool>,
    /// Per row, how many of its columns are not pivoted yet.
    left: Vec<usize>,
    /// The last column `transform` took to the current coordinates.
    alpha: Vec<f64>,
}

impl Rebuild<'_> {
    fn pivoted(&self, c: usize) -> bool {
        self.place[c] != usize::MAX
    }

    /// Column `c` in the current coordinates, into `alpha`; its largest entry in a free row.
    fn transform(&mut self, c: usize) -> f64 {
        self.alpha.fill(0.0);
        for &(i, a) in &self.columns[c] {
            self.alpha[i] += a;
        }
        self.file.ftran(&mut self.alpha);
        self.alpha
            .iter()
            .zip(&self.free_row)
            .filter(|(_, &f)| f)
            .fold(0.0_f64, |b, (a, _)| b.max(a.abs()))
    }

    /// Pivot column `c` on row `r`: its transformed column (`alpha`) or, when `transformed`
    /// is false, the column as it is.
    fn pivot(&mut self, c: usize, r: usize, transformed: bool) {
        if transformed {
            self.file.push(r, &self.alpha);
        } else {
            self.file.push_entries(r, self.columns[c].iter().copied());
        }
        self.free_row[r] = false;
        self.place[c] = r;
        for &(i, _) in &self.columns[c] {
            self.left[i] -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `B x` for sparse columns.
    fn times(columns: &[Vec<(usize, f64)>], x: &[f64], m: usize) -> Vec<f64> {
        let mut out = vec![0.0; m];
        for (c, col) in columns.iter().enumerate() {
            for &(i, a) in col {
                out[i] += a * x[c];
            }
        }
        out
    }

    fn rng(seed: u64) -> impl FnMut() -> f64 {
        let mut state = crate::test_rng::states(seed);
        move || (state() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A basis like the ones the simplex meets: a spanning forest of edge columns (two ±1
    /// entries), logicals on some rows, and dense-ish ratio rows crossing the edges. Rebuilt,
    /// its product form must solve `B x = b` and `yᵀ B = cᵀ` for random right-hand sides, with
    /// each column at the position it was pivoted on; after further pivots (etas pushed as the
    /// simplex does) still so.
    #[test]
    fn rebuilt_bases_solve_and_stay_right_after_pivots() {
        let mut next = rng(7);
        // Cases and pivots actually checked: a run that skipped them all would prove nothing.
        let (mut checked, mut pivots) = (0, 0);
        for case in 0..200 {
            let legs = 3 + (next() * 40.0) as usize;
            let ratios = (next() * 4.0) as usize;
            let m = legs + ratios;
            // A random tree on the legs (edge columns), then logicals to fill the basis up.
            let mut columns: Vec<Vec<(usize, f64)>> = Vec::new();
            for v in 1..legs {
                let u = (next() * v as f64) as usize;
                let mut col = vec![(u, 1.0), (v, 1.0)];
                for r in 0..ratios {
                    if next() < 0.3 {
                        col.push((legs + r, if next() < 0.5 { 1.0 } else { -1.7 }));
                    }
                }
                columns.push(col);
            }
            for i in 0..m {
                if columns.len() < m && (i == 0 || i >= legs) {
                    columns.push(vec![(i, -1.0)]);
                }
            }
            assert_eq!(columns.len(), m, "case {case}");
            let Some((mut file, place)) = EtaFile::rebuild(m, &columns) else {
                // Ratio rows can make the random basis singular; such cases are skipped.
                continue;
            };
            let check = |file: &EtaFile, columns: &[Vec<(usize, f64)>], place: &[usize], seed| {
                let mut next = rng(seed);
                let want: Vec<f64> = (0..m).map(|_| next() - 0.5).collect();
                // B x = b, with x[c] at position place[c].
                let b = times(columns, &want, m);
                let mut got = b.clone();
                file.ftran(&mut got);
                for c in 0..m {
                    assert!(
                        (got[place[c]] - want[c]).abs() < 1e-9,
                        "case {case}: ftran {c}"
                    );
                }
                // yᵀ B = cᵀ: y = B⁻ᵀ c, with c indexed by position.
                let mut y: Vec<f64> = (0..m).map(|_| next() - 0.5).collect();
                let c_by_pos = y.clone();
                file.btran(&mut y);
                for (c, col) in columns.iter().enumerate() {
                    let dot: f64 = col.iter().map(|&(i, a)| a * y[i]).sum();
                    assert!(
                        (dot - c_by_pos[place[c]]).abs() < 1e-9,
                        "case {case}: btran {c}"
                    );
                }
            };
            check(&file, &columns, &place, case as u64);
            checked += 1;
            // Pivots: a new edge column replaces the basic one at a position whose entry in
            // it is large enough, as the simplex's ratio test would pick.
            let (mut columns, mut place) = (columns, place);
            let mut taken = 0;
            for step in 0..10 {
                let u = (next() * legs as f64) as usize;
                let v = (next() * legs as f64) as usize;
                let col = vec![(u, 1.0), (v, if u == v { 1.0 } else { -1.0 }), (0, 0.5)];
                let mut alpha = vec![0.0; m];
                for &(i, a) in &col {
                    alpha[i] += a;
                }
                file.ftran(&mut alpha);
                let Some(r) = (0..m).max_by(|&a, &b| alpha[a].abs().total_cmp(&alpha[b].abs()))
                else {
                    continue;
                };
                if alpha[r].abs() < 1e-6 {
                    continue;
                }
                let leaving = place.iter().position(|&p| p == r).expect("a column at r");
                file.push(r, &alpha);
                columns[leaving] = col;
                place[leaving] = r;
                check(&file, &columns, &place, 1000 + step);
                taken += 1;
            }
            // Every pivot appends an eta; none leaves the file as rebuilt.
            assert_eq!(
                file.growth() > 0,
                taken > 0,
                "case {case}: growth after {taken} pivots"
            );
            pivots += taken;
        }
        assert!(
            checked >= 150 && pivots >= 1000,
            "{checked} bases, {pivots} pivots checked"
        );
    }

    /// Columns that are not independent are refused.
    #[test]
    fn a_dependent_basis_is_refused() {
        let columns = vec![
            vec![(0, 1.0), (1, 1.0)],
            vec![(1, 1.0), (2, 1.0)],
            vec![(0, 1.0), (2, 1.0)],
            vec![(0, 2.0), (1, 2.0)],
        ];
        assert!(EtaFile::rebuild(4, &columns).is_none());
    }
}
